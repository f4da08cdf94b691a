// Tests run against the sources, but a worker thread needs JavaScript: bundle `src/worker.ts` once
// (onnxruntime-web stays external, resolved from this package) and hand its URL to `createEngine`.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Engine } from '@fv/core';
import { build } from 'esbuild';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const srcOf = (name: string) => join(packageDir, '..', name, 'src', 'index.ts');

let built: Promise<URL> | undefined;

/** URL of a JavaScript build of the runtime's worker entry, made on first use. */
export function workerUrl(): Promise<URL> {
  built ??= (async () => {
    const result = await build({
      entryPoints: [join(packageDir, 'src', 'worker.ts')],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      external: ['onnxruntime-web', 'onnxruntime-web/*'],
      alias: { '@fv/core': srcOf('core'), '@fv/autodiff': srcOf('autodiff') },
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.contents;
    const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
    // Inside this package so that `onnxruntime-web` and `comlink` resolve from its node_modules.
    const dir = join(packageDir, 'node_modules', '.cache', 'fv-runtime-test');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `worker-${hash}.mjs`);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, code);
    renameSync(temp, file);
    return pathToFileURL(file);
  })();
  return built;
}

/**
 * The same engine without `run` (nor its worker-side randomization): core's loops then run in the
 * calling thread, one engine call at a time, the reference a hosted loop must equal.
 */
export function inPlace(engine: Engine): Engine {
  return {
    info: engine.info,
    forward: (x, o) => engine.forward(x, o),
    gradient: (x, objective, o) => engine.gradient(x, objective, o),
    dispose: () => engine.dispose(),
  };
}

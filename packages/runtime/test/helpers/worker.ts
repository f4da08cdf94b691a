// Tests run against the sources, but a worker thread needs JavaScript: bundle `src/worker.ts` (and
// the native backend's `src/native.ts` next to it) once and hand its URL to `createEngine`.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Engine } from '@fv/core';
import { build } from 'esbuild';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const srcOf = (name: string) => join(packageDir, '..', name, 'src', 'index.ts');

let built: Promise<URL> | undefined;

/** `src/<entry>.ts` bundled for Node (onnxruntime stays external, resolved from this package). */
async function bundle(entry: string): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [join(packageDir, 'src', `${entry}.ts`)],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    external: ['onnxruntime-web', 'onnxruntime-web/*', 'onnxruntime-node'],
    alias: { '@fv/core': srcOf('core'), '@fv/autodiff': srcOf('autodiff') },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.contents;
}

/**
 * URL of a JavaScript build of the runtime's worker entry, made on first use, with the native
 * backend's module (`native.js`) next to it as in `dist/`.
 */
export function workerUrl(): Promise<URL> {
  built ??= (async () => {
    const [worker, native] = await Promise.all([bundle('worker'), bundle('native')]);
    const hash = createHash('sha256').update(worker).update(native).digest('hex').slice(0, 16);
    // Inside this package so that onnxruntime and `comlink` resolve from its node_modules.
    const dir = join(packageDir, 'node_modules', '.cache', 'fv-runtime-test', hash);
    mkdirSync(dir, { recursive: true });
    for (const [name, code] of [
      ['native.js', native],
      ['worker.mjs', worker],
    ] as const) {
      const temp = join(dir, `${name}.${process.pid}.tmp`);
      writeFileSync(temp, code);
      renameSync(temp, join(dir, name));
    }
    return pathToFileURL(join(dir, 'worker.mjs'));
  })();
  return built;
}

let builtWasm: Promise<URL> | undefined;

/** URL of a JavaScript build of the wasm-only worker entry (`@fv/runtime/wasm/worker`). */
export function wasmWorkerUrl(): Promise<URL> {
  builtWasm ??= (async () => {
    const code = await bundle('wasm-worker');
    const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
    const dir = join(packageDir, 'node_modules', '.cache', 'fv-runtime-test', `wasm-${hash}`);
    mkdirSync(dir, { recursive: true });
    const temp = join(dir, `wasm-worker.mjs.${process.pid}.tmp`);
    writeFileSync(temp, code);
    renameSync(temp, join(dir, 'wasm-worker.mjs'));
    return pathToFileURL(join(dir, 'wasm-worker.mjs'));
  })();
  return builtWasm;
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

// The built @fv/runtime (packages/runtime/dist), bundled for headless Chromium with esbuild the way
// an app's bundler would, onnxruntime-web left to the page's server (from node_modules).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { repoRoot, type VirtualFile } from './server.js';

export const runtimeDist = join(repoRoot, 'packages', 'runtime', 'dist');

/** Where the served bundle lives: `index.js`, `worker.js` and the wrapper workers. */
export const RUNTIME_URL = '/__fv/runtime/';

/** onnxruntime-web's browser entries, as the page's server exposes them. */
const ortPlugin: Plugin = {
  name: 'onnxruntime-web-from-node-modules',
  setup(b) {
    b.onResolve({ filter: /^onnxruntime-web(\/.*)?$/ }, (args) => {
      const entry =
        args.path === 'onnxruntime-web/wasm'
          ? 'ort.wasm.bundle.min.mjs'
          : 'ort.webgpu.bundle.min.mjs';
      return { path: `/node_modules/onnxruntime-web/dist/${entry}`, external: true };
    });
  },
};

/**
 * Bundles the built runtime (dist/index.js and dist/worker.js) for the browser, plus wrapper
 * workers next to it (name → module source; each ends with `await import('./worker.js')`).
 * `no-webgpu-worker.js`, which hides `navigator.gpu` (the "WebGPU unavailable" case, through the
 * `worker` option), is always included.
 */
export async function bundleRuntime(
  wrappers: Readonly<Record<string, string>> = {},
): Promise<Record<string, VirtualFile>> {
  for (const file of ['index.js', 'worker.js']) {
    if (!existsSync(join(runtimeDist, file))) {
      throw new Error(`${join(runtimeDist, file)} is missing: run \`pnpm build\` first`);
    }
  }
  const result = await build({
    entryPoints: { index: join(runtimeDist, 'index.js'), worker: join(runtimeDist, 'worker.js') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: '/out',
    write: false,
    plugins: [ortPlugin],
    logLevel: 'silent',
  });
  const files: Record<string, VirtualFile> = {};
  for (const f of result.outputFiles)
    files[`${RUNTIME_URL}${f.path.slice('/out/'.length)}`] = { body: f.contents };
  files[`${RUNTIME_URL}no-webgpu-worker.js`] = {
    body: [
      '// navigator.gpu removed before the runtime worker starts: WebGPU is "unavailable" here.',
      "Object.defineProperty(Object.getPrototypeOf(navigator), 'gpu', { get: () => undefined, configurable: true });",
      "await import('./worker.js');",
    ].join('\n'),
  };
  for (const [name, body] of Object.entries(wrappers)) files[`${RUNTIME_URL}${name}`] = { body };
  return files;
}

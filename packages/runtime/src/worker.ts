// The `@fv/runtime/worker` entry: starts the worker with onnxruntime-web's WebGPU and wasm builds,
// and in Node the native backend (onnxruntime-node's CPU provider).
// The client imports its API type only: `import type { WorkerApi } from '@fv/runtime/worker'`.
// (`@fv/runtime/wasm/worker` is the same worker with the wasm build only and no native backend.)
import type { BackendProvider } from './worker/backend.js';
import { startWorker } from './worker/main.js';
import { onnxruntimeWeb } from './worker/onnxruntime-web.js';
import { withNative } from './worker/providers.js';

export type { WorkerApi } from './worker/host.js';

/**
 * The native backend: `native.js` next to this file, imported in Node only (a specifier computed
 * at run time, which bundlers leave alone).
 */
async function loadNative(): Promise<BackendProvider> {
  const here = import.meta.url;
  const file = `${here.slice(0, here.lastIndexOf('/') + 1)}native.js`;
  const module = (await import(/* webpackIgnore: true */ /* @vite-ignore */ file)) as {
    onnxruntimeNode: BackendProvider;
  };
  return module.onnxruntimeNode;
}

startWorker(
  withNative(
    onnxruntimeWeb({
      webgpu: () => import('onnxruntime-web/webgpu'),
      wasm: () => import('onnxruntime-web/wasm'),
    }),
    loadNative,
  ),
);

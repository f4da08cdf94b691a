// The `@fv/runtime/worker` entry: starts the worker with onnxruntime-web's WebGPU and wasm builds.
// The client imports its API type only: `import type { WorkerApi } from '@fv/runtime/worker'`.
// (`@fv/runtime/wasm/worker` is the same worker with the wasm build only.)

import { startWorker } from './worker/main.js';
import { onnxruntimeWeb } from './worker/onnxruntime-web.js';

export type { WorkerApi } from './worker/host.js';

startWorker(
  onnxruntimeWeb({
    webgpu: () => import('onnxruntime-web/webgpu'),
    wasm: () => import('onnxruntime-web/wasm'),
  }),
);

// The `@fv/runtime/wasm/worker` entry: the worker with onnxruntime-web's wasm build only, so that
// bundlers emit one onnxruntime wasm file (WebGPU is unavailable in it; `auto` uses wasm).

import { startWorker } from './worker/main.js';
import { onnxruntimeWeb } from './worker/onnxruntime-web.js';

export type { WorkerApi } from './worker/host.js';

startWorker(onnxruntimeWeb({ wasm: () => import('onnxruntime-web/wasm') }));

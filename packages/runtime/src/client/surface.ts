// What the `@fv/runtime` and `@fv/runtime/wasm` entries both export: everything but
// `createEngine`, which each entry binds to its own worker (src/index.ts, src/wasm.ts).
// `summarizeModel` and `ModelSummary` live in @fv/autodiff (read with onnx-buf); re-exported so
// that code using only the runtime keeps them.
export type { ModelSummary } from '@fv/autodiff';
export { summarizeModel } from '@fv/autodiff';
export type { BackendPreference, HostStats, WasmPaths } from '../shared/protocol.js';
export { BACKENDS } from '../shared/protocol.js';
export type { WorkerApi } from '../worker/host.js';
export type {
  CreateEngineOptions,
  RuntimeEngine,
  RuntimeForwardOptions,
  RuntimeGradientOptions,
} from './engine.js';
export type {
  ModelDtype,
  ModelFolder,
  ModelFolderFiles,
  ModelFolderSource,
  ReadModelFolderOptions,
} from './model-folder.js';
export { isModelFolder, readModelFolder } from './model-folder.js';
export type { LoadProgress, ModelSource } from './model-source.js';
export { MODEL_CACHE_NAME } from './model-source.js';
export type { NodeWorkerLike, WebWorker } from './worker-handle.js';

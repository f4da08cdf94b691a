// @fv/runtime's public surface (the client side; the worker is `@fv/runtime/worker`).
// `summarizeModel` and `ModelSummary` live in @fv/autodiff (read with onnx-buf); re-exported here
// so that code using only the runtime keeps them.
export type { ModelSummary } from '@fv/autodiff';
export { summarizeModel } from '@fv/autodiff';
export type {
  CreateEngineOptions,
  RuntimeEngine,
  RuntimeForwardOptions,
  RuntimeGradientOptions,
} from './client/engine.js';
export { createEngine } from './client/engine.js';
export type {
  ModelDtype,
  ModelFolder,
  ModelFolderFiles,
  ModelFolderSource,
  ReadModelFolderOptions,
} from './client/model-folder.js';
export { isModelFolder, readModelFolder } from './client/model-folder.js';
export type { LoadProgress, ModelSource } from './client/model-source.js';
export { MODEL_CACHE_NAME } from './client/model-source.js';
export type { BackendPreference, HostStats, WasmPaths } from './shared/protocol.js';
export type { WorkerApi } from './worker/host.js';

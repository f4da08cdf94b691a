// `summarizeModel` and `ModelSummary` live in @fv/autodiff (read with onnx-buf); re-exported here
// so that code using only the runtime keeps them.
export type { ModelSummary } from '@fv/autodiff';
export { summarizeModel } from '@fv/autodiff';
export type {
  CreateEngineOptions,
  RuntimeEngine,
  RuntimeForwardOptions,
  RuntimeGradientOptions,
} from './engine.js';
export { createEngine } from './engine.js';
export type { HostStats, WireGradientResult, WorkerApi } from './host.js';
export type { LoadProgress, ModelSource } from './model-source.js';
export { MODEL_CACHE_NAME } from './model-source.js';
export type { BackendPreference, WasmPaths } from './protocol.js';

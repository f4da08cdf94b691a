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
export type { ModelSummary } from './onnx-reader.js';
export { readModel as summarizeModel } from './onnx-reader.js';
export type { BackendPreference, WasmPaths } from './protocol.js';

export type { AbortSignalLike } from './abort.js';
export type {
  Engine,
  EngineInfo,
  ForwardOptions,
  GradientOptions,
  GradientResult,
  LayerInfo,
  TensorInfo,
} from './engine.js';
export type { FvErrorCode, SerializedFvError } from './errors.js';
export { abortError, FvError, isFvError, throwIfAborted } from './errors.js';
export type {
  ChannelObjective,
  LayerObjective,
  LogitObjective,
  NeuronObjective,
  Objective,
  ReluMode,
  SumObjective,
} from './objective.js';
export type { Rng } from './random.js';
export { createRng } from './random.js';
export type { Tensor } from './tensor.js';
export { sizeOf, tensor } from './tensor.js';

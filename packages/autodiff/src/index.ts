export type { GradientModel, GradientModelOptions } from './builder.js';
export { buildGradientModel } from './builder.js';
export type { InspectedLayer, InspectOptions, ModelInspection } from './inspect.js';
export { inspectModel, unresolvedShapes } from './inspect.js';
export type { ModelInput } from './onnx.js';
export { decodeModel } from './onnx.js';
export type { ParameterizedLayer, RandomizeOptions } from './randomize.js';
export { parameterizedLayers, randomizeLayers } from './randomize.js';
export type { ReceptiveFieldOptions } from './receptive-field.js';
export { receptiveField } from './receptive-field.js';
export type { GradientRegistry } from './registry.js';
export { createRegistry } from './registry.js';
export type { AttributeReader, GradientRule, RuleContext, ShapeContext } from './rule.js';
export { defaultRegistry, rules } from './rules/index.js';
export type { Dim, Shape } from './shapes/dims.js';
export type { ShapeOptions } from './shapes/infer.js';
export type { ConstValue, TensorValue } from './shapes/values.js';
export type { GraphOutput, ModelSummary } from './summary.js';
export { appendGraphOutputs, summarizeModel } from './summary.js';
export type {
  AttentionMap,
  ExtraToken,
  GridLayout,
  ImageLayout,
  TokenLayout,
} from './tokens.js';
export { WEBGPU_OPS } from './webgpu-ops.js';

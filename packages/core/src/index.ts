// @fv/core's public surface: the engine contract, errors, objectives, the model config and image
// toolkit, and the loops (saliency, dreams, visualizations) with the loop protocol engines host.
export type { AbortSignalLike } from './abort.js';
export type { AdamOptions } from './dream/adam.js';
export type {
  ClassVisualizationOptions,
  ClassVisualizationRequest,
  LucidClassVisualizationOptions,
  SimonyanClassVisualizationOptions,
  VisualizationFrame,
} from './dream/class-visualization.js';
export { classVisualization } from './dream/class-visualization.js';
export type { DreamControlOptions, ValueRange } from './dream/common.js';
export type {
  DeepDreamOptions,
  DeepDreamRequest,
  DreamFrame,
  DreamObjective,
  DreamZoomFrame,
  DreamZoomOptions,
  DreamZoomRequest,
  GuideObjective,
  StepNormalization,
  Tiling,
} from './dream/deep-dream.js';
export { deepDream, dreamZoom } from './dream/deep-dream.js';
export type { ParameterizationKind, ParameterizationOptions } from './dream/parameterization.js';
export type { TransformSettings } from './dream/transforms.js';
export type {
  ClassObjective,
  RedirectReluOptions,
  UnitObjective,
  UnitVisualizationFrame,
  UnitVisualizationOptions,
  UnitVisualizationOutcome,
  UnitVisualizationRequest,
  UnitVisualizationResult,
} from './dream/unit-visualization.js';
export { rgbToModelInput, unitVisualization } from './dream/unit-visualization.js';
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
  AttentionMap,
  ExtraToken,
  FeatureMap,
  GridLayout,
  ImageLayout,
  TokenLayout,
} from './feature-map.js';
export { featureMap, featureMapTensor } from './feature-map.js';
export type {
  ImageLike,
  ImageToTensorOptions,
  PreparedInput,
  RgbaImage,
} from './image/convert.js';
export { imageToTensor, isTensor, rgbToImages, tensorToImage } from './image/convert.js';
export type { CropRegion, Interpolation, Map2D } from './image/map.js';
export { mapToSource, resizeMap } from './image/map.js';
export type { ImageShape } from './image/shape.js';
export { imageShape } from './image/shape.js';
export type {
  LoopArguments,
  LoopFrame,
  LoopKind,
  LoopRequest,
  LoopResult,
} from './loop/registry.js';
export { loopKinds, runInPlace } from './loop/registry.js';
export type { LoopControl, LoopOptions, LoopProgress, LoopRun } from './loop/run.js';
export { pushedRun } from './loop/run.js';
export type {
  CompareFrame,
  CompareOptions,
  Comparison,
  MethodEvaluation,
} from './metrics/compare.js';
export { compareMethods, metricNames } from './metrics/compare.js';
export { normalizedAuc } from './metrics/deletion.js';
export { evaluate } from './metrics/evaluate.js';
export type { Box, PointingGameResult, Region } from './metrics/localization.js';
export { energyPointingGame, pointingGame } from './metrics/localization.js';
export { cascadePoints, mapSimilarity } from './metrics/randomization.js';
export type { SsimOptions } from './metrics/similarity.js';
export { spearman, ssim } from './metrics/similarity.js';
export type {
  CommonMetricOptions,
  CurveResult,
  DeletionOptions,
  InfidelityOptions,
  InfidelityResult,
  MetricFrame,
  MetricName,
  MetricOptions,
  MetricResult,
  MetricResultOf,
  MetricResults,
  PixelOrder,
  RandomInit,
  RandomizationOptions,
  RandomizationResult,
  RandomizationStep,
  RandomizedModels,
  SensitivityOptions,
  SensitivityResult,
} from './metrics/types.js';
export type {
  DatasetExamplesFrame,
  DatasetExamplesOptions,
  DatasetExamplesRequest,
  DatasetImage,
} from './microscope/dataset-examples.js';
export { datasetExamples } from './microscope/dataset-examples.js';
export type {
  DatasetImageInfo,
  DatasetIndex,
  ImageExample,
  LayerExamples,
  PositionExample,
  UnitExamples,
} from './microscope/dataset-index.js';
export { isSignedLayer, mergeDatasetIndexes } from './microscope/dataset-index.js';
export type { Histogram } from './microscope/histogram.js';
export type {
  AxisReceptiveField,
  PixelRegion,
  ReceptiveField,
} from './microscope/receptive-field.js';
export { receptiveRegion } from './microscope/receptive-field.js';
export type {
  ChannelValue,
  SemanticDictionary,
  SemanticDictionaryOptions,
  SemanticPosition,
} from './microscope/semantic-dictionary.js';
export { semanticDictionary } from './microscope/semantic-dictionary.js';
export type {
  ChannelObjective,
  LayerObjective,
  LogitObjective,
  NeuronObjective,
  Objective,
  ReluMode,
  SumObjective,
} from './objective.js';
export type {
  ColorOrder,
  Fit,
  Layout,
  ModelConfig,
  PresetName,
  ResolvedModelConfig,
} from './preprocess/config.js';
export {
  configFromMetadata,
  configuredInputShapes,
  inputNormalization,
  preset,
  presetNames,
  presets,
  resolveModelConfig,
} from './preprocess/config.js';
export type { HuggingFaceConfig, HuggingFaceFiles } from './preprocess/hugging-face.js';
export { configFromHuggingFace } from './preprocess/hugging-face.js';
// fv's seeded generator, shared so that a seed means the same draws in every package
// (@fv/autodiff's model randomization draws with it).
export type { Rng } from './random.js';
export { createRng } from './random.js';
export type {
  ActivationsOptions,
  ActivationsResult,
  ChannelActivation,
} from './saliency/activations.js';
export { activations } from './saliency/activations.js';
export type { SaliencyRequest } from './saliency/saliency.js';
export { saliency, saliencyMethods } from './saliency/saliency.js';
export type {
  AttentionOptions,
  AttentionRolloutOptions,
  AttentionToken,
  Baseline,
  CamLayerOptions,
  CommonSaliencyOptions,
  Completeness,
  GradCamOptions,
  GradientXInputOptions,
  GuidedGradCamOptions,
  IntegratedGradientsOptions,
  ModifiedReluOptions,
  OcclusionOptions,
  RandomOptions,
  RiseOptions,
  SaliencyFrame,
  SaliencyMethod,
  SaliencyOptions,
  SaliencyResult,
  ScoreCamOptions,
  SmoothGradOptions,
  TransformerAttributionOptions,
  VanillaOptions,
} from './saliency/types.js';
export type { Tensor } from './tensor.js';
export { float16ToNumber, sizeOf, tensor } from './tensor.js';

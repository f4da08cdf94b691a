export type { AbortSignalLike } from './abort.js';
export * from './dream/index.js';
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
  DatasetExamplesOptions,
  DatasetImage,
  DatasetProgress,
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
  Layout,
  ModelConfig,
  ResolvedModelConfig,
} from './preprocess/config.js';
export {
  configFromMetadata,
  normalizePixel,
  presets,
  resolveModelConfig,
} from './preprocess/config.js';
export type {
  ImageLike,
  ImageToTensorOptions,
  PreparedInput,
  RgbaImage,
} from './preprocess/image.js';
export { imageToTensor, isTensor, tensorToImage } from './preprocess/image.js';
export type { ImageShape } from './preprocess/layout.js';
export { imageShape } from './preprocess/layout.js';
export type { CropRegion, Map2D } from './preprocess/map.js';
export { mapToSource, resizeMap } from './preprocess/map.js';
export type { Rng } from './random.js';
export { createRng } from './random.js';
export type {
  ActivationsOptions,
  ActivationsResult,
  ChannelActivation,
} from './saliency/activations.js';
export { activations } from './saliency/activations.js';
export { selectLayer } from './saliency/cam.js';
export type { SaliencyMaps } from './saliency/maps.js';
export { saliencyMaps } from './saliency/maps.js';
export { saliency } from './saliency/saliency.js';
export type {
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
  SaliencyMethod,
  SaliencyOptions,
  SaliencyProgress,
  SaliencyResult,
  ScoreCamOptions,
  SmoothGradOptions,
  VanillaOptions,
} from './saliency/types.js';
export type { Tensor } from './tensor.js';
export { sizeOf, tensor } from './tensor.js';

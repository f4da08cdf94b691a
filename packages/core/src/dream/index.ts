export { type Adam, type AdamOptions, createAdam } from './adam.js';
export type {
  ClassVisualizationOptions,
  StartImage,
  VisualizationFrame,
} from './class-visualization.js';
export { classVisualization, runClassVisualization } from './class-visualization.js';
export {
  COLOR_CORRELATION_SVD_SQRT,
  COLOR_DECORRELATION,
  decorrelatedToRgb,
  decorrelatedToRgbAdjoint,
  rgbToDecorrelated,
} from './color.js';
export type { DreamControlOptions, DreamProgress, ValueRange } from './common.js';
export type {
  DeepDreamOptions,
  DreamFrame,
  DreamObjective,
  DreamZoomFrame,
  DreamZoomOptions,
  GuideObjective,
  StepNormalization,
  Tiling,
} from './deep-dream.js';
export { deepDream, dreamZoom, octaveSizes, runDeepDream } from './deep-dream.js';
export {
  fft1d,
  fft2d,
  type HalfSpectrum,
  irfft2d,
  irfft2dAdjoint,
  rfft2d,
  rfft2dFrequencies,
} from './fft.js';
export type {
  ImageParameterization,
  ParameterizationKind,
  ParameterizationOptions,
} from './parameterization.js';
export { createImageParameterization, spectrumScale } from './parameterization.js';
export type { AffineSampling, TransformSettings } from './transforms.js';
export type {
  InputNormalization,
  UnitObjective,
  UnitVisualizationFrame,
  UnitVisualizationOptions,
} from './unit-visualization.js';
export { runUnitVisualization, unitVisualization } from './unit-visualization.js';

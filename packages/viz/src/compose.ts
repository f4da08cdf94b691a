import { FvError, type Interpolation, resizeMap } from '@fv/core';
import { type ColorizeOptions, defaultColormap, heatMap, packedColormap } from './colorize.js';
import {
  assertImage,
  assertMap,
  imageOf,
  type Map2D,
  outputBuffer,
  type RgbaImage,
} from './image.js';
import {
  alphaMaskKernel,
  blendBytesKernel,
  blendWordsKernel,
  grayscaleKernel,
  maskKernel,
  overlayHalfKernel,
  overlayIndexedKernel,
  overlayLinearKernel,
  premultipliedTable,
} from './kernels.js';
import {
  colormapIndexer,
  linearIndex,
  type NormalizedMap,
  type NormalizeOptions,
  normalizeMap,
  type PreparedMap,
  prepareMap,
} from './normalize.js';
import { pixelWords } from './resize.js';

/** Options for drawing a map over an image. */
export interface OverlayOptions extends ColorizeOptions {
  /** Opacity of the heat map over the image, 0..1. @defaultValue `0.5` (Captum's `alpha_overlay`) */
  readonly alpha?: number;
  /**
   * How a map smaller or larger than the image is resampled to the image's size (before
   * normalization, as Captum's `LayerAttribution.interpolate` does).
   * @defaultValue `'bilinear'`
   */
  readonly interpolation?: Interpolation;
}

/** Options of {@link maskedImage} and {@link alphaScaling}. */
export interface MaskOptions extends NormalizeOptions {
  /** @defaultValue `'bilinear'` */
  readonly interpolation?: Interpolation;
}

function checkAlpha(alpha: number): void {
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new FvError('INVALID_ARGUMENT', `alpha must be in 0..1, got ${alpha}`);
  }
}

/** The map, checked and resampled to the image's size. */
function resizedFor(
  image: RgbaImage,
  map: Map2D,
  options: { readonly interpolation?: Interpolation },
): Map2D {
  assertImage(image);
  assertMap(map);
  return resizeMap(map, image.width, image.height, options.interpolation ?? 'bilinear');
}

/** The map, resampled to the image's size and normalized. */
function normalizedFor(
  image: RgbaImage,
  map: Map2D,
  options: NormalizeOptions & { readonly interpolation?: Interpolation },
): NormalizedMap {
  return normalizeMap(resizedFor(image, map, options), options);
}

/** The map, resampled to the image's size, sign-transformed and with its range found. */
function preparedFor(
  image: RgbaImage,
  map: Map2D,
  options: NormalizeOptions & { readonly interpolation?: Interpolation },
): PreparedMap {
  return prepareMap(resizedFor(image, map, options), options, true);
}

/**
 * Composites `top` over `base` ("source over"), `top`'s own alpha scaled by `alpha`, in 8-bit
 * fixed point (the result is within 1 of exact arithmetic). Both must have the same size.
 * @throws FvError `SHAPE_MISMATCH` when the sizes differ.
 */
export function blendImages(base: RgbaImage, top: RgbaImage, alpha = 1): RgbaImage {
  assertImage(base, 'base image');
  assertImage(top, 'top image');
  checkAlpha(alpha);
  if (base.width !== top.width || base.height !== top.height) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `Cannot blend a ${top.width}×${top.height} image over a ${base.width}×${base.height} one`,
    );
  }
  const weight = Math.round(alpha * 256);
  // Weight per top alpha value.
  const weights = new Uint16Array(256);
  for (let a = 0; a < 256; a++) weights[a] = Math.round((weight * a) / 255);
  const data = new Uint8ClampedArray(base.data.length);
  if (littleEndian) {
    const out = new Int32Array(data.buffer);
    const int32 = (words: Uint32Array) =>
      new Int32Array(words.buffer, words.byteOffset, words.length);
    blendWordsKernel(int32(pixelWords(base.data)), int32(pixelWords(top.data)), out, weights);
  } else {
    blendBytesKernel(base.data, top.data, data, weights);
  }
  return imageOf(data, base.width, base.height);
}

const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * The image in grey (mean of R, G and B, as Captum's `blended_heat_map` shows it), alpha kept.
 */
export function grayscale(image: RgbaImage): RgbaImage {
  assertImage(image);
  const data = new Uint8ClampedArray(image.data.length);
  grayscaleKernel(image.data, data);
  return imageOf(data, image.width, image.height);
}

/**
 * The colour image with the heat map on top at opacity `alpha` (the usual Grad-CAM picture). The
 * map is resampled to the image's size. Where the map is NaN the image shows through.
 * @example
 * const picture = overlay(image, gradCam, { colormap: 'jet', normalize: 'min-max', alpha: 0.4 });
 */
export function overlay(image: RgbaImage, map: Map2D, options: OverlayOptions = {}): RgbaImage {
  const alpha = options.alpha ?? 0.5;
  checkAlpha(alpha);
  const prepared = preparedFor(image, map, options);
  const colormap = options.colormap ?? defaultColormap(options.sign);
  const data = outputBuffer(options.into, image.width, image.height);
  if (!littleEndian) {
    data.set(blendImages(image, heatMap(prepared, colormap), alpha).data);
    return imageOf(data, image.width, image.height);
  }
  // Colormap lookup and compositing in one pass, without a heat map image in between. Each pixel
  // is read before it is written, so `into` may be the image itself.
  const table = new Int32Array(packedColormap(colormap).buffer);
  const words = pixelWords(image.data);
  const base = new Int32Array(words.buffer, words.byteOffset, words.length);
  const out = new Int32Array(data.buffer, data.byteOffset, data.length >> 2);
  const w = Math.round(alpha * 256);
  const { source, a, b } = prepared;
  const linear = linearIndex(prepared);
  if (linear && w === 128) {
    overlayHalfKernel(source, a, b, base, out, table, linear.low, linear.gain);
  } else if (linear) {
    const premultiplied = premultipliedTable(table, w);
    overlayLinearKernel(source, a, b, base, out, premultiplied, linear.low, linear.gain, w);
  } else overlayIndexedKernel(source, a, b, base, out, table, colormapIndexer(prepared), w);
  return imageOf(data, image.width, image.height);
}

/**
 * Captum's `blended_heat_map`: the heat map at opacity `alpha` over the image in grey, so the
 * colours read as attribution only.
 */
export function blendedHeatMap(
  image: RgbaImage,
  map: Map2D,
  options: OverlayOptions = {},
): RgbaImage {
  return overlay(grayscale(image), map, options);
}

function rejectAll(what: string, options: NormalizeOptions): void {
  if (options.sign === 'all') {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${what} needs a non-negative mask: use sign absolute, positive or negative, not all (as in Captum)`,
    );
  }
}

/**
 * Captum's `masked_image`: the image multiplied by the normalized map (0..1), so only the
 * attributed parts stay visible. Alpha is kept; NaN masks to black.
 * @throws FvError `INVALID_ARGUMENT` for sign `all`.
 */
export function maskedImage(image: RgbaImage, map: Map2D, options: MaskOptions = {}): RgbaImage {
  rejectAll('maskedImage', options);
  const { data: mask } = normalizedFor(image, map, options);
  const data = new Uint8ClampedArray(image.data.length);
  maskKernel(image.data, mask, data);
  return imageOf(data, image.width, image.height);
}

/**
 * Captum's `alpha_scaling`: the image with its alpha multiplied by the normalized map (0..1), so
 * unattributed parts become transparent. NaN is fully transparent.
 * @throws FvError `INVALID_ARGUMENT` for sign `all`.
 */
export function alphaScaling(image: RgbaImage, map: Map2D, options: MaskOptions = {}): RgbaImage {
  rejectAll('alphaScaling', options);
  const { data: mask } = normalizedFor(image, map, options);
  const data = new Uint8ClampedArray(image.data);
  alphaMaskKernel(image.data, mask, data);
  return imageOf(data, image.width, image.height);
}

/** Every way {@link visualizeAttribution} can draw a map, named as in Captum. */
export const visualizationMethods = [
  'original-image',
  'heat-map',
  'blended-heat-map',
  'overlay',
  'masked-image',
  'alpha-scaling',
] as const;

/** The ways {@link visualizeAttribution} can draw a map (see {@link visualizationMethods}). */
export type VisualizationMethod = (typeof visualizationMethods)[number];

/** Options of {@link visualizeAttribution}. */
export interface VisualizeOptions extends OverlayOptions {
  /** @defaultValue `'heat-map'` (Captum's default) */
  readonly method?: VisualizationMethod;
}

/**
 * Captum's `visualize_image_attr` as a function to pixels: one picture of `map` by `method`.
 * With an `image`, the map is resampled to the image's size (also for `heat-map`); every method
 * but `heat-map` needs the image.
 * @throws FvError `INVALID_ARGUMENT` when the method needs an image and none is given.
 * @example
 * visualizeAttribution(map, image, { method: 'blended-heat-map', sign: 'positive' });
 */
export function visualizeAttribution(
  map: Map2D,
  image: RgbaImage | undefined,
  options: VisualizeOptions = {},
): RgbaImage {
  const method = options.method ?? 'heat-map';
  if (method === 'heat-map') {
    const prepared = image ? preparedFor(image, map, options) : prepareMap(map, options, true);
    return heatMap(prepared, options.colormap ?? defaultColormap(options.sign), options.into);
  }
  if (!image) {
    throw new FvError('INVALID_ARGUMENT', `Visualization method '${method}' needs the image`);
  }
  switch (method) {
    case 'original-image':
      assertImage(image);
      return image;
    case 'blended-heat-map':
      return blendedHeatMap(image, map, options);
    case 'overlay':
      return overlay(image, map, options);
    case 'masked-image':
      return maskedImage(image, map, options);
    case 'alpha-scaling':
      return alphaScaling(image, map, options);
    default:
      throw new FvError(
        'INVALID_ARGUMENT',
        `Unknown visualization method '${String(method)}'; use ${visualizationMethods.join(', ')}`,
      );
  }
}

import { FvError } from '../errors.js';
import type { Fit, ResolvedModelConfig } from '../preprocess/config.js';
import type { Tensor } from '../tensor.js';
import type { CropRegion } from './map.js';
import { resamplePlane } from './resize.js';
import { imageDims, imageShape } from './shape.js';

/**
 * An `ImageData`-like image: 8-bit pixels, row-major, interleaved channels. A browser `ImageData`
 * fits as is; in Node use a decoded PNG or JPEG.
 */
export interface ImageLike {
  readonly data: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
  /** Interleaved channels per pixel: 1 (gray), 3 (RGB) or 4 (RGBA). @defaultValue 4 */
  readonly channels?: 1 | 3 | 4;
}

/** An 8-bit RGBA image, as {@link tensorToImage} returns it. */
export interface RgbaImage {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

/**
 * Per-call overrides of the model config's geometry ({@link ModelConfig.fit} and
 * {@link ModelConfig.cropFraction}, where they are documented).
 */
export interface ImageToTensorOptions {
  /** @defaultValue the config's `fit` (`'stretch'` unless the model says otherwise) */
  readonly fit?: Fit;
  /** @defaultValue the config's `cropFraction` (1 unless the model says otherwise) */
  readonly cropFraction?: number;
}

/** A preprocessed model input and where it came from in the original image. */
export interface PreparedInput {
  readonly tensor: Tensor;
  readonly crop: CropRegion;
}

/** True for {@link Tensor}s (as opposed to {@link ImageLike}s). */
export function isTensor(value: Tensor | ImageLike): value is Tensor {
  return Array.isArray((value as Tensor).dims);
}

/**
 * Turns an 8-bit image into the model's input tensor: the config's geometry (see {@link Fit}: a
 * centre region, bilinearly resampled to the model size in one step), colour order, grayscale
 * conversion (ITU-R 601 luma), scale, mean and std, layout.
 * @throws FvError `INVALID_IMAGE` when the pixel data does not match width × height × channels,
 *   `INVALID_ARGUMENT` for a bad `fit` or `cropFraction`.
 */
export function imageToTensor(
  image: ImageLike,
  config: ResolvedModelConfig,
  options: ImageToTensorOptions = {},
): PreparedInput {
  const { width: sw, height: sh } = image;
  const srcChannels = image.channels ?? 4;
  if (![1, 3, 4].includes(srcChannels)) {
    throw new FvError('INVALID_IMAGE', `Image channels must be 1, 3 or 4, got ${srcChannels}`);
  }
  if (!(sw > 0 && sh > 0) || image.data.length !== sw * sh * srcChannels) {
    throw new FvError(
      'INVALID_IMAGE',
      `Image data has ${image.data.length} values but ${sw}×${sh} with ${srcChannels} channels needs ${sw * sh * srcChannels}`,
      { width: sw, height: sh, channels: srcChannels, length: image.data.length },
    );
  }
  const { width: w, height: h, channels, layout } = config;
  const fit = options.fit ?? config.fit ?? 'stretch';
  const fraction = options.cropFraction ?? config.cropFraction ?? 1;
  if (fit !== 'stretch' && fit !== 'center-crop') {
    throw new FvError(
      'INVALID_ARGUMENT',
      `fit must be 'stretch' or 'center-crop', got '${String(fit)}'`,
    );
  }
  if (!(fraction > 0 && fraction <= 1)) {
    throw new FvError('INVALID_ARGUMENT', `cropFraction must be in (0, 1], got ${fraction}`);
  }
  let cw = sw;
  let ch = sh;
  if (fit === 'center-crop') {
    const aspect = w / h;
    ch = sw / aspect;
    if (ch > sh) {
      ch = sh;
      cw = sh * aspect;
    }
  }
  cw *= fraction;
  ch *= fraction;
  const region = { x: (sw - cw) / 2, y: (sh - ch) / 2, width: cw, height: ch };
  // Resample every source channel plane to the model size.
  const planes: Float32Array[] = [];
  for (let c = 0; c < Math.min(srcChannels, 3); c++) {
    const plane = new Float32Array(w * h);
    resamplePlane(
      { data: image.data, width: sw, height: sh, offset: c, stride: srcChannels },
      { data: plane, width: w, height: h },
      region,
    );
    planes.push(plane);
  }
  const rgb = (k: number): Float32Array => planes[srcChannels === 1 ? 0 : k]!;
  const dims = imageDims(layout, 1, channels, h, w);
  const data = new Float32Array(channels * h * w);
  const shape = imageShape(dims, layout);
  for (let c = 0; c < channels; c++) {
    const scale = config.scale / config.std[c]!;
    const shift = config.mean[c]! / config.std[c]!;
    for (let p = 0; p < h * w; p++) {
      let pixel: number;
      if (channels === 1) {
        pixel = 0.299 * rgb(0)[p]! + 0.587 * rgb(1)[p]! + 0.114 * rgb(2)[p]!;
        if (srcChannels === 1) pixel = rgb(0)[p]!;
      } else {
        const k = config.colorOrder === 'BGR' ? 2 - c : c;
        pixel = rgb(k)[p]!;
      }
      data[c * shape.channelStride + p * shape.pixelStride] = pixel * scale - shift;
    }
  }
  return {
    tensor: { data, dims },
    crop: { sourceWidth: sw, sourceHeight: sh, ...region },
  };
}

/**
 * Turns a model input tensor (first batch item) back into an RGBA image: inverse normalization,
 * colour order, clipping to 0..255. Grayscale models give gray images.
 */
export function tensorToImage(tensor: Tensor, config: ResolvedModelConfig): RgbaImage {
  const shape = imageShape(tensor.dims, config.layout);
  if (shape.channels !== config.channels) {
    throw new FvError(
      'INVALID_IMAGE',
      `Tensor has ${shape.channels} channels but the model config says ${config.channels}`,
    );
  }
  const { width, height } = shape;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let k = 0; k < 3; k++) {
      const c = shape.channels === 1 ? 0 : config.colorOrder === 'BGR' ? 2 - k : k;
      const value = tensor.data[c * shape.channelStride + p * shape.pixelStride]!;
      out[p * 4 + k] = (value * config.std[c]! + config.mean[c]!) / config.scale;
    }
    out[p * 4 + 3] = 255;
  }
  return { data: out, width, height };
}

/**
 * Images in [0, 1] (planar `[B, C, H, W]`, C = 1 or 3, as unit visualization's `frame.rgb`) as
 * 8-bit RGBA images, one per batch item; one channel gives gray.
 * @throws FvError `INVALID_IMAGE` for another channel count.
 */
export function rgbToImages(rgb: Tensor): RgbaImage[] {
  const shape = imageShape(rgb.dims, 'NCHW');
  const { channels: c, width, height } = shape;
  if (c !== 1 && c !== 3) {
    throw new FvError('INVALID_IMAGE', `An RGB tensor has 1 or 3 channels, got ${c}`);
  }
  const images: RgbaImage[] = [];
  for (let b = 0; b < shape.batch; b++) {
    const data = new Uint8ClampedArray(width * height * 4);
    const base = b * shape.itemSize;
    for (let p = 0; p < width * height; p++) {
      for (let k = 0; k < 3; k++) {
        data[p * 4 + k] = 255 * rgb.data[base + (c === 1 ? 0 : k) * shape.channelStride + p]!;
      }
      data[p * 4 + 3] = 255;
    }
    images.push({ data, width, height });
  }
  return images;
}

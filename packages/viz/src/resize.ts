import { FvError } from '@fv/core';
import {
  assertImage,
  assertMap,
  createMap2D,
  imageOf,
  type Map2D,
  type RgbaImage,
} from './image.js';
import { bilinearKernel, nearestKernel } from './kernels.js';

/**
 * How a low-resolution map (Grad-CAM's 7×7, say) is upsampled.
 * - `bilinear`: pixel centres aligned (PyTorch's `align_corners=False`, OpenCV's `INTER_LINEAR`),
 *   edges clamped.
 * - `nearest`: each output pixel takes the input pixel under its centre (PyTorch's
 *   `nearest-exact`); blocky, shows the map's true resolution.
 */
export type Interpolation = 'bilinear' | 'nearest';

interface Axis {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w1: Float32Array;
}

function bilinearAxis(inSize: number, outSize: number): Axis {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    let s = (o + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    const a = Math.min(Math.floor(s), inSize - 1);
    i0[o] = a;
    i1[o] = Math.min(a + 1, inSize - 1);
    w1[o] = s - a;
  }
  return { i0, i1, w1 };
}

function nearestAxis(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) idx[o] = Math.min(Math.floor((o + 0.5) * scale), inSize - 1);
  return idx;
}

/**
 * Resamples a map to `width × height`. Returns `map` itself when the size already matches.
 * @throws FvError `INVALID_ARGUMENT` for a bad size or interpolation.
 * @example
 * const cam = resizeMap(gradCam7x7, 224, 224, 'bilinear');
 */
export function resizeMap(
  map: Map2D,
  width: number,
  height: number,
  interpolation: Interpolation = 'bilinear',
): Map2D {
  assertMap(map);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FvError('INVALID_ARGUMENT', `Cannot resize a map to ${width}×${height}`);
  }
  if (width === map.width && height === map.height) return map;
  const src = map.data;
  const out = new Float32Array(width * height);
  if (interpolation === 'nearest') {
    nearestKernel(
      src,
      map.width,
      out,
      width,
      nearestAxis(map.width, width),
      nearestAxis(map.height, height),
    );
  } else if (interpolation === 'bilinear') {
    const xs = bilinearAxis(map.width, width);
    const ys = bilinearAxis(map.height, height);
    bilinearKernel(src, map.width, out, width, xs.i0, xs.i1, xs.w1, ys.i0, ys.i1, ys.w1);
  } else {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Unknown interpolation '${String(interpolation)}'; use bilinear or nearest`,
    );
  }
  return createMap2D(out, width, height);
}

/** A Uint32 view of an image's pixels (copying first when the bytes are not 4-byte aligned). */
export function pixelWords(data: Uint8ClampedArray): Uint32Array {
  const aligned = data.byteOffset % 4 === 0 ? data : data.slice();
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length >> 2);
}

/**
 * Resamples an RGBA image with nearest-neighbour sampling (scales panels without inventing
 * colours). Returns `image` itself when the size already matches.
 * @throws FvError `INVALID_ARGUMENT` for a bad size.
 */
export function resizeImage(image: RgbaImage, width: number, height: number): RgbaImage {
  assertImage(image);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FvError('INVALID_ARGUMENT', `Cannot resize an image to ${width}×${height}`);
  }
  if (width === image.width && height === image.height) return image;
  const data = new Uint8ClampedArray(width * height * 4);
  const out = new Uint32Array(data.buffer);
  const xs = nearestAxis(image.width, width);
  const ys = nearestAxis(image.height, height);
  nearestKernel(pixelWords(image.data), image.width, out, width, xs, ys);
  return imageOf(data, width, height);
}

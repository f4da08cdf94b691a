import { FvError } from '@fv/core';
import { assertImage, assertMap, createMap2D, type Map2D, type RgbaImage } from './image.js';

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
    const xs = nearestAxis(map.width, width);
    const ys = nearestAxis(map.height, height);
    for (let y = 0; y < height; y++) {
      const row = ys[y]! * map.width;
      for (let x = 0; x < width; x++) out[y * width + x] = src[row + xs[x]!]!;
    }
  } else if (interpolation === 'bilinear') {
    const xs = bilinearAxis(map.width, width);
    const ys = bilinearAxis(map.height, height);
    for (let y = 0; y < height; y++) {
      const r0 = ys.i0[y]! * map.width;
      const r1 = ys.i1[y]! * map.width;
      const wy = ys.w1[y]!;
      for (let x = 0; x < width; x++) {
        const x0 = xs.i0[x]!;
        const x1 = xs.i1[x]!;
        const wx = xs.w1[x]!;
        const top = src[r0 + x0]! + (src[r0 + x1]! - src[r0 + x0]!) * wx;
        const bottom = src[r1 + x0]! + (src[r1 + x1]! - src[r1 + x0]!) * wx;
        out[y * width + x] = top + (bottom - top) * wy;
      }
    }
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
  const xs = nearestAxis(image.width, width);
  const ys = nearestAxis(image.height, height);
  const src = pixelWords(image.data);
  const data = new Uint8ClampedArray(width * height * 4);
  const out = new Uint32Array(data.buffer);
  for (let y = 0; y < height; y++) {
    const row = ys[y]! * image.width;
    for (let x = 0; x < width; x++) out[y * width + x] = src[row + xs[x]!]!;
  }
  return { data, width, height };
}

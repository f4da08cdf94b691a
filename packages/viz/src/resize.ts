import { FvError } from '@fv/core';
import { assertImage, imageOf, type RgbaImage } from './image.js';
import { nearestKernel } from './kernels.js';

function nearestAxis(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) idx[o] = Math.min(Math.floor((o + 0.5) * scale), inSize - 1);
  return idx;
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

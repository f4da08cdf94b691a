import { FvError } from '../errors.js';

/** A single-channel map (saliency, CAM, activation) in row-major order. */
export interface Map2D {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

/** Where the model input came from in the original image; see {@link imageToTensor}. */
export interface CropRegion {
  /** Original image size. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** The region of the original image that was resized to the model input. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Bilinear resampling of a float plane with half-pixel centres (`align_corners = false`, as
 * PyTorch's `F.interpolate(mode='bilinear')` and OpenCV's `resize`), without antialiasing.
 */
export function resizePlane(
  src: ArrayLike<number>,
  srcWidth: number,
  srcHeight: number,
  dstWidth: number,
  dstHeight: number,
  out: Float32Array = new Float32Array(dstWidth * dstHeight),
  region: { x: number; y: number; width: number; height: number } = {
    x: 0,
    y: 0,
    width: srcWidth,
    height: srcHeight,
  },
  srcStride = 1,
  srcOffset = 0,
): Float32Array {
  const sx = region.width / dstWidth;
  const sy = region.height / dstHeight;
  for (let y = 0; y < dstHeight; y++) {
    let fy = region.y + (y + 0.5) * sy - 0.5;
    fy = Math.min(Math.max(fy, 0), srcHeight - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, srcHeight - 1);
    const wy = fy - y0;
    for (let x = 0; x < dstWidth; x++) {
      let fx = region.x + (x + 0.5) * sx - 0.5;
      fx = Math.min(Math.max(fx, 0), srcWidth - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, srcWidth - 1);
      const wx = fx - x0;
      const at = (yy: number, xx: number) => src[srcOffset + (yy * srcWidth + xx) * srcStride]!;
      const top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx;
      const bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx;
      out[y * dstWidth + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

/**
 * Bilinear resize of a map (half-pixel centres, like PyTorch `align_corners=False`).
 * @throws FvError `INVALID_ARGUMENT` for non-positive sizes.
 */
export function resizeMap(map: Map2D, width: number, height: number): Map2D {
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `resizeMap size must be positive integers, got ${width}×${height}`,
    );
  }
  if (width === map.width && height === map.height) {
    return { data: new Float32Array(map.data), width, height };
  }
  return { data: resizePlane(map.data, map.width, map.height, width, height), width, height };
}

/**
 * Maps a map in model-input coordinates back onto the original image: resized to the cropped
 * region and placed there; pixels outside the crop get `fill`.
 * @param fill value outside the crop. @defaultValue 0
 */
export function mapToSource(map: Map2D, crop: CropRegion, fill = 0): Map2D {
  const { sourceWidth: sw, sourceHeight: sh } = crop;
  const out = new Float32Array(sw * sh).fill(fill);
  // For every source pixel inside the crop, sample the map at the matching input coordinate.
  const sx = map.width / crop.width;
  const sy = map.height / crop.height;
  for (
    let y = Math.max(0, Math.floor(crop.y));
    y < Math.min(sh, Math.ceil(crop.y + crop.height));
    y++
  ) {
    let fy = (y + 0.5 - crop.y) * sy - 0.5;
    fy = Math.min(Math.max(fy, 0), map.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, map.height - 1);
    const wy = fy - y0;
    for (
      let x = Math.max(0, Math.floor(crop.x));
      x < Math.min(sw, Math.ceil(crop.x + crop.width));
      x++
    ) {
      let fx = (x + 0.5 - crop.x) * sx - 0.5;
      fx = Math.min(Math.max(fx, 0), map.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, map.width - 1);
      const wx = fx - x0;
      const d = map.data;
      const top = d[y0 * map.width + x0]! * (1 - wx) + d[y0 * map.width + x1]! * wx;
      const bottom = d[y1 * map.width + x0]! * (1 - wx) + d[y1 * map.width + x1]! * wx;
      out[y * sw + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return { data: out, width: sw, height: sh };
}

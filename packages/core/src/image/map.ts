// Single-channel maps (saliency, CAM, activation) and their placement back onto the original
// image.
import { FvError } from '../errors.js';
import { nearestIndices, resamplePlane, resampleWindow } from './resize.js';

/**
 * A single-channel float map in row-major order: a saliency or CAM map, an activation. Saliency
 * maps are signed (the signed attribution S; `@fv/viz` splits it by sign for drawing).
 * Non-finite values (NaN, ±Infinity) mean "no value": `@fv/viz` leaves them out of its statistics
 * and draws them transparent.
 */
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
 * How a map (Grad-CAM's 7×7, say) is resampled.
 * - `bilinear`: pixel centres aligned (PyTorch's `align_corners=False`, OpenCV's `INTER_LINEAR`),
 *   edges clamped.
 * - `nearest`: each output pixel takes the input pixel under its centre (PyTorch's
 *   `nearest-exact`); blocky, shows the map's true resolution.
 */
export type Interpolation = 'bilinear' | 'nearest';

/**
 * Resamples a map to `width × height`. Returns `map` itself when the size already matches.
 * @throws FvError `INVALID_ARGUMENT` for a bad size or interpolation.
 * @example
 * const cam = resizeMap(gradCam7x7, 224, 224);
 */
export function resizeMap(
  map: Map2D,
  width: number,
  height: number,
  interpolation: Interpolation = 'bilinear',
): Map2D {
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `resizeMap size must be positive integers, got ${width}×${height}`,
    );
  }
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Unknown interpolation '${String(interpolation)}'; use bilinear or nearest`,
    );
  }
  if (width === map.width && height === map.height) return map;
  const data = new Float32Array(width * height);
  if (interpolation === 'bilinear') {
    resamplePlane(map, { data, width, height });
  } else {
    const xs = nearestIndices(map.width, width);
    const ys = nearestIndices(map.height, height);
    for (let y = 0; y < height; y++) {
      const row = ys[y]! * map.width;
      for (let x = 0; x < width; x++) data[y * width + x] = map.data[row + xs[x]!]!;
    }
  }
  return { data, width, height };
}

/**
 * Maps a map in model-input coordinates back onto the original image: resized to the cropped
 * region and placed there; pixels outside the crop get `fill`.
 * @param fill value outside the crop. @defaultValue 0
 */
export function mapToSource(map: Map2D, crop: CropRegion, fill = 0): Map2D {
  const { sourceWidth: sw, sourceHeight: sh } = crop;
  const data = new Float32Array(sw * sh).fill(fill);
  // Every source pixel inside the crop samples the map at the matching input coordinate.
  const sx = map.width / crop.width;
  const sy = map.height / crop.height;
  const top = Math.max(0, Math.floor(crop.y));
  const left = Math.max(0, Math.floor(crop.x));
  const bottom = Math.min(sh, Math.ceil(crop.y + crop.height));
  const right = Math.min(sw, Math.ceil(crop.x + crop.width));
  if (bottom > top && right > left) {
    resampleWindow(
      map,
      { data, width: sw, height: sh },
      { x: left, y: top, width: right - left, height: bottom - top },
      (y) => (y + 0.5 - crop.y) * sy - 0.5,
      (x) => (x + 0.5 - crop.x) * sx - 0.5,
    );
  }
  return { data, width: sw, height: sh };
}

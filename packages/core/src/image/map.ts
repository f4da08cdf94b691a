// Single-channel maps (saliency, CAM, activation) and their placement back onto the original
// image.
import { FvError } from '../errors.js';
import { resamplePlane, resampleWindow } from './resize.js';

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
 * Bilinear resize of a map (half-pixel centres, like PyTorch `align_corners=False`); a new map.
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
  const data = new Float32Array(width * height);
  resamplePlane(map, { data, width, height });
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

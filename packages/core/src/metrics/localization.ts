// Localization metrics: does a saliency map point at the object? Given the object as a mask or a
// bounding box in the map's pixel coordinates.
import { FvError } from '../errors.js';
import type { Map2D } from '../image/map.js';

/**
 * An axis-aligned box in map pixels; it holds the pixels whose centre lies inside it (so an
 * integer box holds columns x … x + width − 1 and rows y … y + height − 1).
 */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where the object is: a mask the size of the map (values > 0 inside) or a box. */
export type Region = Map2D | Box;

/** Result of {@link pointingGame}. */
export interface PointingGameResult {
  /** Whether the maximum lies on the object (within the tolerance). */
  readonly hit: boolean;
  /** The map's maximum (the first one in row-major order on ties). */
  readonly point: { readonly x: number; readonly y: number };
}

const isMap = (region: Region): region is Map2D => 'data' in region;

function checkMap(map: Map2D, what: string): void {
  if (
    !(
      Number.isInteger(map.width) &&
      Number.isInteger(map.height) &&
      map.width > 0 &&
      map.height > 0 &&
      map.data.length === map.width * map.height
    )
  ) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `${what} is ${map.width}×${map.height} with ${map.data.length} values`,
    );
  }
}

/** The region as a 0/1 mask at the map's size. */
function regionMask(map: Map2D, region: Region): Uint8Array {
  const { width, height } = map;
  const mask = new Uint8Array(width * height);
  if (isMap(region)) {
    checkMap(region, 'The region mask');
    if (region.width !== width || region.height !== height) {
      throw new FvError(
        'SHAPE_MISMATCH',
        `The region mask is ${region.width}×${region.height} but the map is ${width}×${height}`,
      );
    }
    for (let i = 0; i < mask.length; i++) mask[i] = region.data[i]! > 0 ? 1 : 0;
    return mask;
  }
  const { x, y, width: w, height: h } = region;
  if (![x, y, w, h].every(Number.isFinite) || w <= 0 || h <= 0) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `A box needs finite x, y and positive width, height; got ${JSON.stringify(region)}`,
    );
  }
  // Pixel (c, r) has its centre at (c + ½, r + ½).
  for (let r = Math.max(0, Math.ceil(y - 0.5)); r < Math.min(height, Math.ceil(y + h - 0.5)); r++) {
    for (
      let c = Math.max(0, Math.ceil(x - 0.5));
      c < Math.min(width, Math.ceil(x + w - 0.5));
      c++
    ) {
      mask[r * width + c] = 1;
    }
  }
  return mask;
}

/**
 * The pointing game (Zhang et al., "Top-down Neural Attention by Excitation Backprop", ECCV 2016):
 * a hit when the map's maximum lies on the object, or within `tolerance` pixels (Euclidean) of
 * it. The paper and TorchRay use 15 pixels at ImageNet sizes (≈ 224 px); scale it with the map.
 * @param tolerance in map pixels. @defaultValue 15
 * @throws FvError `SHAPE_MISMATCH` for a mask of another size, `INVALID_ARGUMENT` for a bad box,
 *   tolerance or a map with non-finite values.
 */
export function pointingGame(map: Map2D, region: Region, tolerance = 15): PointingGameResult {
  checkMap(map, 'The saliency map');
  if (!(tolerance >= 0 && Number.isFinite(tolerance))) {
    throw new FvError('INVALID_ARGUMENT', `tolerance must be a number ≥ 0, got ${tolerance}`);
  }
  const mask = regionMask(map, region);
  let best = 0;
  for (let i = 0; i < map.data.length; i++) {
    const v = map.data[i]!;
    if (!Number.isFinite(v)) {
      throw new FvError('INVALID_ARGUMENT', `The saliency map has a non-finite value at ${i}`);
    }
    if (v > map.data[best]!) best = i;
  }
  const px = best % map.width;
  const py = Math.floor(best / map.width);
  const t = Math.floor(tolerance);
  let hit = false;
  for (let y = Math.max(0, py - t); y <= Math.min(map.height - 1, py + t) && !hit; y++) {
    for (let x = Math.max(0, px - t); x <= Math.min(map.width - 1, px + t); x++) {
      if (mask[y * map.width + x] && (x - px) ** 2 + (y - py) ** 2 <= tolerance * tolerance) {
        hit = true;
        break;
      }
    }
  }
  return { hit, point: { x: px, y: py } };
}

/**
 * The energy-based pointing game (Wang et al., "Score-CAM", CVPR Workshops 2020): the share of
 * the map's total (non-negative) energy that falls on the object, Σ_inside M / Σ M, in [0, 1].
 * Use a non-negative map (`absolute` or `positive`); NaN when the map is all zero.
 * @throws FvError `INVALID_ARGUMENT` for negative or non-finite values, `SHAPE_MISMATCH` as
 *   {@link pointingGame}.
 */
export function energyPointingGame(map: Map2D, region: Region): number {
  checkMap(map, 'The saliency map');
  const mask = regionMask(map, region);
  let inside = 0;
  let total = 0;
  for (let i = 0; i < map.data.length; i++) {
    const v = map.data[i]!;
    if (!(v >= 0 && Number.isFinite(v))) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `The energy-based pointing game needs a non-negative map; value ${v} at ${i}`,
      );
    }
    total += v;
    if (mask[i]) inside += v;
  }
  return total > 0 ? inside / total : Number.NaN;
}

import { positiveInteger } from '../checks.js';
import { FvError } from '../errors.js';
import { resamplePlane } from '../image/resize.js';
import { createRng, type Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { forwardScores, type SaliencyContext } from './context.js';
import type { RiseOptions } from './types.js';

/** Geometry of the RISE masks of an input of `width` × `height`. */
export interface RiseGeometry {
  readonly cells: number;
  readonly width: number;
  readonly height: number;
  /** ⌈size / cells⌉: the range of the random shifts, per axis. */
  readonly cellWidth: number;
  readonly cellHeight: number;
}

export function riseGeometry(cells: number, width: number, height: number): RiseGeometry {
  return {
    cells,
    width,
    height,
    cellWidth: Math.ceil(width / cells),
    cellHeight: Math.ceil(height / cells),
  };
}

/**
 * One RISE mask, as the authors' `generate_masks`: the `cells` × `cells` binary `grid` (row-major)
 * resized to (cells + 1) · cell size with scikit-image's `resize(order=1, mode='reflect',
 * anti_aliasing=False)` (bilinear, half-pixel centres, edges mirrored about the border cell) and
 * cropped to width × height at (`shiftX`, `shiftY`).
 */
export function riseMask(
  geometry: RiseGeometry,
  grid: ArrayLike<number>,
  shiftX: number,
  shiftY: number,
  out: Float32Array = new Float32Array(geometry.width * geometry.height),
): Float32Array {
  const { cells: s, width, height, cellWidth, cellHeight } = geometry;
  // The grid mirrored by one cell on every side (whole-sample symmetric, NumPy's 'reflect').
  const side = s + 2;
  const mirror = (i: number): number =>
    i < 0 ? Math.min(1, s - 1) : i >= s ? Math.max(s - 2, 0) : i;
  const padded = new Float64Array(side * side);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) padded[r * side + c] = grid[mirror(r - 1) * s + mirror(c - 1)]!;
  }
  // Upsampled pixel X samples grid coordinate (X + ½) · s / up − ½ (padded: + 1); the crop starts
  // at the shift, so the region starts at 1 + shift · s / up and spans size · s / up.
  const upWidth = (s + 1) * cellWidth;
  const upHeight = (s + 1) * cellHeight;
  resamplePlane(
    { data: padded, width: side, height: side },
    { data: out, width, height },
    {
      x: 1 + (shiftX * s) / upWidth,
      y: 1 + (shiftY * s) / upHeight,
      width: (width * s) / upWidth,
      height: (height * s) / upHeight,
    },
  );
  return out;
}

/**
 * Draws the next mask's grid and shifts from `rng`: `cells`² uniforms u (row-major; a cell is
 * kept when u < keep), then the row shift ⌊u · cellHeight⌋ and the column shift ⌊u · cellWidth⌋.
 */
export function drawRiseMask(
  geometry: RiseGeometry,
  keep: number,
  rng: Rng,
  out?: Float32Array,
): Float32Array {
  const grid = new Uint8Array(geometry.cells * geometry.cells);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next() < keep ? 1 : 0;
  const shiftY = Math.floor(rng.next() * geometry.cellHeight);
  const shiftX = Math.floor(rng.next() * geometry.cellWidth);
  return riseMask(geometry, grid, shiftX, shiftY, out);
}

/** RISE: a one-channel attribution from forward passes on randomly masked inputs. */
export async function rise(ctx: SaliencyContext, options: RiseOptions): Promise<Tensor> {
  const count = positiveInteger(options.masks ?? 4000, 'masks');
  const cells = positiveInteger(options.cells ?? 7, 'cells');
  const keep = options.keep ?? 0.5;
  if (!(keep > 0 && keep <= 1)) {
    throw new FvError('INVALID_ARGUMENT', `keep must be in (0, 1], got ${keep}`, { keep });
  }
  const { width, height, channels, channelStride, pixelStride } = ctx.shape;
  const pixels = width * height;
  const geometry = riseGeometry(cells, width, height);
  const rng = createRng(options.seed ?? 0);
  const x = ctx.input.data;
  const size = x.length;
  const sum = new Float64Array(pixels);
  ctx.plan(Math.ceil(count / ctx.batchSize));
  for (let first = 0; first < count; first += ctx.batchSize) {
    const n = Math.min(ctx.batchSize, count - first);
    const masks = new Float32Array(n * pixels);
    const batch = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      const mask = drawRiseMask(geometry, keep, rng, masks.subarray(i * pixels, (i + 1) * pixels));
      for (let c = 0; c < channels; c++) {
        for (let p = 0; p < pixels; p++) {
          const j = c * channelStride + p * pixelStride;
          batch[i * size + j] = x[j]! * mask[p]!;
        }
      }
    }
    const scores = await forwardScores(ctx, batch, n);
    for (let i = 0; i < n; i++) {
      const score = scores[i]!;
      for (let p = 0; p < pixels; p++) sum[p]! += score * masks[i * pixels + p]!;
    }
    await ctx.advance();
  }
  const data = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) data[p] = sum[p]! / (count * keep);
  const dims = ctx.config.layout === 'NCHW' ? [1, 1, height, width] : [1, height, width, 1];
  return { data, dims };
}

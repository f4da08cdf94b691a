// Tiled gradients (planar NCHW images): the gradient of an image larger (or smaller) than what the model takes,
// assembled from tiles of a fixed size. Tiles wrap around the image edges (the image is treated
// as periodic, as the jitter roll of the original DeepDream already does), so every tile has
// exactly the model's size; pixels covered by several tiles get the mean of their gradients.

import { imageShape } from '../image/shape.js';
import type { Tensor } from '../tensor.js';

/** Value and image gradient of an objective for one model-sized input. */
export interface TileGradient {
  readonly value: number;
  readonly gradient: Tensor;
}

/** Computes the objective's value and gradient for one tile (one engine call, or two). */
export type TileGradientFn = (tile: Tensor) => Promise<TileGradient>;

/** Where tiles go: their size and the origin of the tile grid (any integers; taken modulo). */
export interface TileLayout {
  readonly tileHeight: number;
  readonly tileWidth: number;
  readonly offsetY: number;
  readonly offsetX: number;
}

/** Number of tiles along an axis of length `size` for tiles of length `tile`. */
export function tileCount(size: number, tile: number): number {
  return Math.max(1, Math.ceil(size / tile));
}

function wrapIndices(start: number, length: number, size: number): Int32Array {
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) out[i] = (((start + i) % size) + size) % size;
  return out;
}

/**
 * Value and gradient of an image through model-sized tiles. With `layout` undefined the whole
 * image is one call. The value is the mean of the tiles' values.
 */
export async function tiledGradient(
  image: Tensor,
  layout: TileLayout | undefined,
  fn: TileGradientFn,
): Promise<TileGradient> {
  if (!layout) return fn(image);
  const { channels: c, height: h, width: w } = imageShape(image.dims, 'NCHW');
  const { tileHeight: th, tileWidth: tw } = layout;
  if (th === h && tw === w && layout.offsetY % h === 0 && layout.offsetX % w === 0)
    return fn(image);
  const ny = tileCount(h, th);
  const nx = tileCount(w, tw);
  const sum = new Float32Array(c * h * w);
  // Tiles form a grid, so a pixel's tile count is its row's count times its column's.
  const rowCount = new Float32Array(h);
  const colCount = new Float32Array(w);
  let value = 0;
  for (let i = 0; i < ny; i++) {
    const rows = wrapIndices(layout.offsetY + i * th, th, h);
    for (let y = 0; y < th; y++)
      rowCount[rows[y] as number] = (rowCount[rows[y] as number] as number) + 1;
    for (let j = 0; j < nx; j++) {
      const cols = wrapIndices(layout.offsetX + j * tw, tw, w);
      if (i === 0) {
        for (let x = 0; x < tw; x++)
          colCount[cols[x] as number] = (colCount[cols[x] as number] as number) + 1;
      }
      const result = await fn(extractTile(image, rows, cols, c, h, w));
      value += result.value;
      addTile(sum, result.gradient.data, rows, cols, c, h, w);
    }
  }
  divideByCounts(sum, rowCount, colCount, c, h, w);
  return { value: value / (ny * nx), gradient: { data: sum, dims: [1, c, h, w] } };
}

/** Cuts the tile on `rows` × `cols` (wrapped indices) out of a `[1, C, H, W]` image's data. */
function extractTile(
  image: Tensor,
  rows: Int32Array,
  cols: Int32Array,
  c: number,
  h: number,
  w: number,
): Tensor {
  const th = rows.length;
  const tw = cols.length;
  const out = new Float32Array(c * th * tw);
  const src = image.data;
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < th; y++) {
      const s = ch * h * w + (rows[y] as number) * w;
      const d = ch * th * tw + y * tw;
      for (let x = 0; x < tw; x++) out[d + x] = src[s + (cols[x] as number)] as number;
    }
  }
  return { data: out, dims: [1, c, th, tw] };
}

/** Adds a tile's gradient `g` (`[1, C, th, tw]`) onto `sum` at `rows` × `cols`. */
function addTile(
  sum: Float32Array,
  g: Float32Array,
  rows: Int32Array,
  cols: Int32Array,
  c: number,
  h: number,
  w: number,
): void {
  const th = rows.length;
  const tw = cols.length;
  for (let y = 0; y < th; y++) {
    const r = (rows[y] as number) * w;
    for (let ch = 0; ch < c; ch++) {
      const s = ch * h * w + r;
      const d = ch * th * tw + y * tw;
      for (let x = 0; x < tw; x++) {
        const k = s + (cols[x] as number);
        sum[k] = (sum[k] as number) + (g[d + x] as number);
      }
    }
  }
}

/** Divides every pixel of `sum` by the number of tiles that covered it. */
function divideByCounts(
  sum: Float32Array,
  rowCount: Float32Array,
  colCount: Float32Array,
  c: number,
  h: number,
  w: number,
): void {
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      const rc = rowCount[y] as number;
      for (let x = 0, k = ch * h * w + y * w; x < w; x++, k++) {
        sum[k] = (sum[k] as number) / (rc * (colCount[x] as number));
      }
    }
  }
}

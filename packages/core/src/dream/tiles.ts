// Tiled gradients: the gradient of an image larger (or smaller) than what the model takes,
// assembled from tiles of a fixed size. Tiles wrap around the image edges (the image is treated
// as periodic, as the jitter roll of the original DeepDream already does), so every tile has
// exactly the model's size; pixels covered by several tiles get the mean of their gradients.
import type { Tensor } from '../tensor.js';
import { imageShape } from './image.js';

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

/** Cuts the tile with top-left corner (y0, x0) out of a [1, C, H, W] image, wrapping around. */
export function extractTile(image: Tensor, y0: number, x0: number, th: number, tw: number): Tensor {
  const { c, h, w } = imageShape(image);
  const out = new Float32Array(c * th * tw);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < th; y++) {
      const sy = (((y0 + y) % h) + h) % h;
      const src = ch * h * w + sy * w;
      const dst = ch * th * tw + y * tw;
      for (let x = 0; x < tw; x++)
        out[dst + x] = image.data[src + ((((x0 + x) % w) + w) % w)] as number;
    }
  }
  return { data: out, dims: [1, c, th, tw] };
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
  const { c, h, w } = imageShape(image);
  const { tileHeight: th, tileWidth: tw } = layout;
  const ny = tileCount(h, th);
  const nx = tileCount(w, tw);
  const sum = new Float32Array(c * h * w);
  const count = new Float32Array(h * w);
  let value = 0;
  for (let i = 0; i < ny; i++) {
    for (let j = 0; j < nx; j++) {
      const y0 = layout.offsetY + i * th;
      const x0 = layout.offsetX + j * tw;
      const result = await fn(extractTile(image, y0, x0, th, tw));
      value += result.value;
      const g = result.gradient.data;
      for (let y = 0; y < th; y++) {
        const sy = (((y0 + y) % h) + h) % h;
        for (let x = 0; x < tw; x++) {
          const sx = (((x0 + x) % w) + w) % w;
          count[sy * w + sx] = (count[sy * w + sx] as number) + 1;
          for (let ch = 0; ch < c; ch++) {
            const k = ch * h * w + sy * w + sx;
            sum[k] = (sum[k] as number) + (g[ch * th * tw + y * tw + x] as number);
          }
        }
      }
    }
  }
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < h * w; p++) {
      const k = ch * h * w + p;
      sum[k] = (sum[k] as number) / (count[p] as number);
    }
  }
  return { value: value / (ny * nx), gradient: { data: sum, dims: [1, c, h, w] } };
}

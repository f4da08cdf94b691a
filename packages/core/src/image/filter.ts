// Per-channel image filters of the toolkit: Gaussian blur (the blurred baseline of integrated
// gradients, the blur regularizer of class visualization), circular roll (jitter) and the centre
// zoom of the Deep Dream feedback loop. Every one works in either layout.
import type { Layout } from '../preprocess/config.js';
import type { Tensor } from '../tensor.js';
import { type ImageShape, imageShape } from './shape.js';

/** Normalized 1-D Gaussian kernel with radius `max(1, ceil(3σ))`, in float64. */
export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let i = -radius; i <= radius; i++) {
    kernel[i + radius] = Math.exp((-i * i) / (2 * sigma * sigma));
    total += kernel[i + radius]!;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= total;
  return kernel;
}

/** Calls `fn(base, shape)` with the offset of every (batch item, channel) plane. */
function forEachPlane(shape: ImageShape, fn: (base: number) => void): void {
  for (let b = 0; b < shape.batch; b++) {
    for (let c = 0; c < shape.channels; c++) fn(b * shape.itemSize + c * shape.channelStride);
  }
}

/**
 * Separable Gaussian blur of every channel with standard deviation `sigma` pixels, edges
 * replicated, accumulated in float64. `sigma ≤ 0` returns a copy.
 */
export function gaussianBlur(image: Tensor, sigma: number, layout: Layout = 'NCHW'): Tensor {
  const shape = imageShape(image.dims, layout);
  const out = new Float32Array(image.data);
  if (!(sigma > 0)) return { data: out, dims: [...image.dims] };
  const kernel = gaussianKernel(sigma);
  const radius = (kernel.length - 1) / 2;
  const { width, height, pixelStride: ps } = shape;
  const src = image.data;
  const tmp = new Float64Array(width * height);
  forEachPlane(shape, (base) => {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let i = -radius; i <= radius; i++) {
          const xx = Math.min(width - 1, Math.max(0, x + i));
          s += kernel[i + radius]! * src[base + (y * width + xx) * ps]!;
        }
        tmp[y * width + x] = s;
      }
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let i = -radius; i <= radius; i++) {
          const yy = Math.min(height - 1, Math.max(0, y + i));
          s += kernel[i + radius]! * tmp[yy * width + x]!;
        }
        out[base + (y * width + x) * ps] = s;
      }
    }
  });
  return { data: out, dims: [...image.dims] };
}

/**
 * Circular shift of every channel by `dy` rows and `dx` columns (`np.roll` on the spatial axes):
 * `out[y][x] = in[(y − dy) mod H][(x − dx) mod W]`.
 */
export function roll(image: Tensor, dy: number, dx: number, layout: Layout = 'NCHW'): Tensor {
  const shape = imageShape(image.dims, layout);
  const { height: h, width: w } = shape;
  const out = new Float32Array(image.data.length);
  const sy = ((dy % h) + h) % h;
  const sx = ((dx % w) + w) % w;
  const src = image.data;
  // A row of one channel is contiguous in NCHW; in NHWC a row of all channels is.
  const run = layout === 'NCHW' ? 1 : shape.channels;
  const planes = layout === 'NCHW' ? shape.batch * shape.channels : shape.batch;
  for (let p = 0; p < planes; p++) {
    const base = p * h * w * run;
    for (let y = 0; y < h; y++) {
      const from = base + y * w * run;
      const to = base + ((y + sy) % h) * w * run;
      // columns [0, w − sx) move to [sx, w); [w − sx, w) wrap to [0, sx)
      out.set(src.subarray(from, from + (w - sx) * run), to + sx * run);
      out.set(src.subarray(from + (w - sx) * run, from + w * run), to);
    }
  }
  return { data: out, dims: [...image.dims] };
}

/**
 * Zooms into the centre by `zoom` (> 1 enlarges), keeping the size: the frame transform of the
 * original DeepDream notebook's zoom loop (`nd.affine_transform(frame, [1-s, 1-s, 1],
 * [h*s/2, w*s/2, 0])`, with `zoom = 1 / (1 - s)`), bilinear.
 */
export function zoomCenter(image: Tensor, zoom: number, layout: Layout = 'NCHW'): Tensor {
  const shape = imageShape(image.dims, layout);
  const { height: h, width: w, pixelStride: ps } = shape;
  const out = new Float32Array(image.data.length);
  const src = image.data;
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  forEachPlane(shape, (b) => {
    const at = (y: number, x: number) => src[b + (y * w + x) * ps]!;
    for (let y = 0; y < h; y++) {
      let sy = cy + (y - cy) / zoom;
      sy = Math.min(Math.max(sy, 0), h - 1);
      const y0 = Math.floor(sy);
      const y1 = Math.min(y0 + 1, h - 1);
      const fy = sy - y0;
      for (let x = 0; x < w; x++) {
        let sx = cx + (x - cx) / zoom;
        sx = Math.min(Math.max(sx, 0), w - 1);
        const x0 = Math.floor(sx);
        const x1 = Math.min(x0 + 1, w - 1);
        const fx = sx - x0;
        const top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx;
        const bot = at(y1, x0) * (1 - fx) + at(y1, x1) * fx;
        out[b + (y * w + x) * ps] = top * (1 - fy) + bot * fy;
      }
    }
  });
  return { data: out, dims: [...image.dims] };
}

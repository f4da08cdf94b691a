// Small image operations on NCHW float32 tensors used by the dream schedulers: roll (jitter),
// bilinear resize and its adjoint, clipping, Gaussian blur and the zoom of the feedback loop.
// Everything works on batch item 0 of a [1, C, H, W] tensor unless said otherwise.
import { FvError } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** Shape of an NCHW image as `{ n, c, h, w }`, after checking that it has four dimensions. */
export function imageShape(
  image: Tensor,
  what = 'image',
): { n: number; c: number; h: number; w: number } {
  if (image.dims.length !== 4) {
    throw new FvError(
      'INVALID_IMAGE',
      `${what} must be an NCHW tensor with 4 dimensions, got shape [${image.dims.join(', ')}]`,
    );
  }
  const [n = 0, c = 0, h = 0, w = 0] = image.dims;
  if (n < 1 || c < 1 || h < 1 || w < 1) {
    throw new FvError(
      'INVALID_IMAGE',
      `${what} has an empty dimension: [${image.dims.join(', ')}]`,
    );
  }
  return { n, c, h, w };
}

/** A copy of the tensor (data and dims). */
export function cloneTensor(t: Tensor): Tensor {
  return { data: new Float32Array(t.data), dims: [...t.dims] };
}

/**
 * Circular shift of every plane by `dy` rows and `dx` columns (`np.roll` on the last two axes):
 * `out[y][x] = in[(y - dy) mod H][(x - dx) mod W]`.
 */
export function roll(image: Tensor, dy: number, dx: number): Tensor {
  const { n, c, h, w } = imageShape(image);
  const out = new Float32Array(image.data.length);
  const sy = ((dy % h) + h) % h;
  const sx = ((dx % w) + w) % w;
  const src = image.data;
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    for (let y = 0; y < h; y++) {
      const from = base + y * w;
      const to = base + ((y + sy) % h) * w;
      // columns [0, w − sx) move to [sx, w); [w − sx, w) wrap to [0, sx)
      out.set(src.subarray(from, from + w - sx), to + sx);
      out.set(src.subarray(from + w - sx, from + w), to);
    }
  }
  return { data: out, dims: [...image.dims] };
}

/** Clamps every value into `[lo, hi]`, in place. */
export function clipInPlace(data: Float32Array, lo: number, hi: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    data[i] = Math.min(Math.max(v, lo), hi);
  }
}

interface Taps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly f: Float32Array;
}

// Half-pixel bilinear taps (align_corners = false, as PyTorch's and TF2's bilinear resize),
// edge-clamped.
function taps(src: number, dst: number): Taps {
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const f = new Float32Array(dst);
  const scale = src / dst;
  for (let d = 0; d < dst; d++) {
    let s = (d + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    if (s > src - 1) s = src - 1;
    const a = Math.floor(s);
    i0[d] = a;
    i1[d] = Math.min(a + 1, src - 1);
    f[d] = s - a;
  }
  return { i0, i1, f };
}

/**
 * Bilinear resize of every plane to `h × w` (half-pixel centres, edge clamped, no antialiasing:
 * the convention of PyTorch's `interpolate(mode='bilinear', align_corners=False)`).
 */
export function resizeBilinear(image: Tensor, h: number, w: number): Tensor {
  const { n, c, h: sh, w: sw } = imageShape(image);
  if (sh === h && sw === w) return cloneTensor(image);
  const ty = taps(sh, h);
  const tx = taps(sw, w);
  const out = new Float32Array(n * c * h * w);
  const src = image.data;
  for (let p = 0; p < n * c; p++) {
    const ib = p * sh * sw;
    const ob = p * h * w;
    for (let y = 0; y < h; y++) {
      const r0 = ib + (ty.i0[y] as number) * sw;
      const r1 = ib + (ty.i1[y] as number) * sw;
      const fy = ty.f[y] as number;
      for (let x = 0; x < w; x++) {
        const x0 = tx.i0[x] as number;
        const x1 = tx.i1[x] as number;
        const fx = tx.f[x] as number;
        const top = (src[r0 + x0] as number) * (1 - fx) + (src[r0 + x1] as number) * fx;
        const bot = (src[r1 + x0] as number) * (1 - fx) + (src[r1 + x1] as number) * fx;
        out[ob + y * w + x] = top * (1 - fy) + bot * fy;
      }
    }
  }
  return { data: out, dims: [n, c, h, w] };
}

/**
 * Adjoint (transpose) of {@link resizeBilinear} from `srcH × srcW` to the size of `grad`: maps a
 * gradient on the resized image back to a gradient on the source image (chain rule).
 */
export function resizeBilinearAdjoint(grad: Tensor, srcH: number, srcW: number): Tensor {
  const { n, c, h, w } = imageShape(grad, 'gradient');
  if (srcH === h && srcW === w) return cloneTensor(grad);
  const ty = taps(srcH, h);
  const tx = taps(srcW, w);
  const out = new Float32Array(n * c * srcH * srcW);
  const g = grad.data;
  for (let p = 0; p < n * c; p++) {
    const ob = p * srcH * srcW;
    const ib = p * h * w;
    for (let y = 0; y < h; y++) {
      const r0 = ob + (ty.i0[y] as number) * srcW;
      const r1 = ob + (ty.i1[y] as number) * srcW;
      const fy = ty.f[y] as number;
      for (let x = 0; x < w; x++) {
        const v = g[ib + y * w + x] as number;
        const x0 = tx.i0[x] as number;
        const x1 = tx.i1[x] as number;
        const fx = tx.f[x] as number;
        out[r0 + x0] = (out[r0 + x0] as number) + v * (1 - fx) * (1 - fy);
        out[r0 + x1] = (out[r0 + x1] as number) + v * fx * (1 - fy);
        out[r1 + x0] = (out[r1 + x0] as number) + v * (1 - fx) * fy;
        out[r1 + x1] = (out[r1 + x1] as number) + v * fx * fy;
      }
    }
  }
  return { data: out, dims: [n, c, srcH, srcW] };
}

/** Normalized 1-D Gaussian kernel with radius `ceil(3σ)`. */
export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = (k[i] as number) / sum;
  return k;
}

/** Separable Gaussian blur of every plane (edges replicated). Returns a new tensor. */
export function gaussianBlur(image: Tensor, sigma: number): Tensor {
  const { n, c, h, w } = imageShape(image);
  if (!(sigma > 0)) return cloneTensor(image);
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const tmp = new Float32Array(image.data.length);
  const out = new Float32Array(image.data.length);
  const src = image.data;
  for (let p = 0; p < n * c; p++) {
    const b = p * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let i = -r; i <= r; i++) {
          const xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
          s += (k[i + r] as number) * (src[b + y * w + xx] as number);
        }
        tmp[b + y * w + x] = s;
      }
    }
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let i = -r; i <= r; i++) {
          const yy = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;
          s += (k[i + r] as number) * (tmp[b + yy * w + x] as number);
        }
        out[b + y * w + x] = s;
      }
    }
  }
  return { data: out, dims: [...image.dims] };
}

/**
 * Zooms into the centre by `zoom` (> 1 enlarges), keeping the size: the frame transform of the
 * original notebook's zoom loop (`nd.affine_transform(frame, [1-s, 1-s, 1], [h*s/2, w*s/2, 0])`,
 * with `zoom = 1 / (1 - s)`), bilinear.
 */
export function zoomCenter(image: Tensor, zoom: number): Tensor {
  const { n, c, h, w } = imageShape(image);
  const out = new Float32Array(image.data.length);
  const src = image.data;
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  for (let p = 0; p < n * c; p++) {
    const b = p * h * w;
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
        const top =
          (src[b + y0 * w + x0] as number) * (1 - fx) + (src[b + y0 * w + x1] as number) * fx;
        const bot =
          (src[b + y1 * w + x0] as number) * (1 - fx) + (src[b + y1 * w + x1] as number) * fx;
        out[b + y * w + x] = top * (1 - fy) + bot * fy;
      }
    }
  }
  return { data: out, dims: [...image.dims] };
}

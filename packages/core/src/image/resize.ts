// Bilinear resampling, the one implementation fv has: half-pixel centres (`align_corners = false`,
// PyTorch's `F.interpolate(mode='bilinear')`, OpenCV's `resize`), edges clamped, no antialiasing.
// Planes are read and written through strides, so the same code serves both layouts.
import { FvError } from '../errors.js';
import type { Layout } from '../preprocess/config.js';
import type { Tensor } from '../tensor.js';
import { imageShape } from './shape.js';

/** Source taps of every destination index along one axis. */
interface Taps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly f: Float64Array;
}

/**
 * Taps of `count` destination indices along an axis of `src` source pixels; `at(d)` is the
 * (fractional) source coordinate of destination index d, clamped to the axis.
 */
function tapsAt(src: number, count: number, at: (d: number) => number): Taps {
  const i0 = new Int32Array(count);
  const i1 = new Int32Array(count);
  const f = new Float64Array(count);
  for (let d = 0; d < count; d++) {
    const s = Math.min(Math.max(at(d), 0), src - 1);
    const a = Math.floor(s);
    i0[d] = a;
    i1[d] = Math.min(a + 1, src - 1);
    f[d] = s - a;
  }
  return { i0, i1, f };
}

/**
 * Taps of destination indices `0 … dst − 1` sampling `length` source pixels from `start` (a crop
 * window; the whole axis by default) of an axis of `src` pixels.
 */
function taps(src: number, dst: number, start = 0, length = src): Taps {
  const scale = length / dst;
  return tapsAt(src, dst, (d) => start + (d + 0.5) * scale - 0.5);
}

/** Source index under the centre of each of `dst` destination pixels (`nearest-exact`). */
export function nearestIndices(src: number, dst: number): Int32Array {
  const idx = new Int32Array(dst);
  const scale = src / dst;
  for (let o = 0; o < dst; o++) idx[o] = Math.min(Math.floor((o + 0.5) * scale), src - 1);
  return idx;
}

/** A strided plane: element (y, x) is `data[offset + (y · width + x) · stride]`. */
export interface PlaneView<T extends ArrayLike<number> = ArrayLike<number>> {
  readonly data: T;
  readonly width: number;
  readonly height: number;
  /** @defaultValue 0 */
  readonly offset?: number;
  /** @defaultValue 1 */
  readonly stride?: number;
}

/** A crop window of a plane, in (fractional) source pixels. */
export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Bilinear resampling of the plane `src` (or of its `region`) into the plane `dst`. */
export function resamplePlane(
  src: PlaneView,
  dst: PlaneView<Float32Array>,
  region: Region = { x: 0, y: 0, width: src.width, height: src.height },
): void {
  const ty = taps(src.height, dst.height, region.y, region.height);
  const tx = taps(src.width, dst.width, region.x, region.width);
  resampleWithTaps(src, dst, ty, tx, 0, 0);
}

/** Writes destination rows `top …` and columns `left …` (as many as there are taps). */
function resampleWithTaps(
  src: PlaneView,
  dst: PlaneView<Float32Array>,
  ty: Taps,
  tx: Taps,
  top: number,
  left: number,
): void {
  const s = src.data;
  const so = src.offset ?? 0;
  const ss = src.stride ?? 1;
  const d = dst.data;
  const dOff = dst.offset ?? 0;
  const ds = dst.stride ?? 1;
  const sw = src.width;
  for (let y = 0; y < ty.f.length; y++) {
    const r0 = so + ty.i0[y]! * sw * ss;
    const r1 = so + ty.i1[y]! * sw * ss;
    const wy = ty.f[y]!;
    const row = dOff + (top + y) * dst.width * ds;
    for (let x = 0; x < tx.f.length; x++) {
      const c0 = tx.i0[x]! * ss;
      const c1 = tx.i1[x]! * ss;
      const wx = tx.f[x]!;
      const upper = s[r0 + c0]! * (1 - wx) + s[r0 + c1]! * wx;
      const lower = s[r1 + c0]! * (1 - wx) + s[r1 + c1]! * wx;
      d[row + (left + x) * ds] = upper * (1 - wy) + lower * wy;
    }
  }
}

/**
 * Bilinear sampling of `src` onto the rows `[top, top + rows)` and columns `[left, left + columns)`
 * of `dst`, where destination pixel (y, x) samples source coordinate (`atY(y)`, `atX(x)`).
 */
export function resampleWindow(
  src: PlaneView,
  dst: PlaneView<Float32Array>,
  window: Region,
  atY: (y: number) => number,
  atX: (x: number) => number,
): void {
  const ty = tapsAt(src.height, window.height, (d) => atY(window.y + d));
  const tx = tapsAt(src.width, window.width, (d) => atX(window.x + d));
  resampleWithTaps(src, dst, ty, tx, window.y, window.x);
}

/** Adjoint of {@link resamplePlane} (whole planes): scatters `grad` (dst-sized) back onto `out`. */
function resamplePlaneAdjoint(grad: PlaneView, out: PlaneView<Float32Array>): void {
  const ty = taps(out.height, grad.height);
  const tx = taps(out.width, grad.width);
  const g = grad.data;
  const go = grad.offset ?? 0;
  const gs = grad.stride ?? 1;
  const o = out.data;
  const oo = out.offset ?? 0;
  const os = out.stride ?? 1;
  const ow = out.width;
  for (let y = 0; y < grad.height; y++) {
    const r0 = oo + ty.i0[y]! * ow * os;
    const r1 = oo + ty.i1[y]! * ow * os;
    const fy = ty.f[y]!;
    for (let x = 0; x < grad.width; x++) {
      const v = g[go + (y * grad.width + x) * gs]!;
      const c0 = tx.i0[x]! * os;
      const c1 = tx.i1[x]! * os;
      const fx = tx.f[x]!;
      o[r0 + c0]! += v * (1 - fx) * (1 - fy);
      o[r0 + c1]! += v * fx * (1 - fy);
      o[r1 + c0]! += v * (1 - fx) * fy;
      o[r1 + c1]! += v * fx * fy;
    }
  }
}

function checkSize(width: number, height: number, what: string): void {
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${what} size must be positive integers, got ${width}×${height}`,
    );
  }
}

/** Calls `fn` with the source and destination plane of every (batch item, channel). */
function eachPlane(
  src: Tensor,
  layout: Layout,
  height: number,
  width: number,
  fn: (from: PlaneView, to: PlaneView<Float32Array>) => void,
): Tensor {
  const s = imageShape(src.dims, layout);
  const dims =
    layout === 'NCHW' ? [s.batch, s.channels, height, width] : [s.batch, height, width, s.channels];
  const out = new Float32Array(s.batch * s.channels * height * width);
  const outShape = imageShape(dims, layout);
  for (let b = 0; b < s.batch; b++) {
    for (let c = 0; c < s.channels; c++) {
      fn(
        {
          data: src.data,
          width: s.width,
          height: s.height,
          offset: b * s.itemSize + c * s.channelStride,
          stride: s.pixelStride,
        },
        {
          data: out,
          width,
          height,
          offset: b * outShape.itemSize + c * outShape.channelStride,
          stride: outShape.pixelStride,
        },
      );
    }
  }
  return { data: out, dims };
}

/** Bilinear resize of every channel of an image tensor to `height × width` (a new tensor). */
export function resizeImageTensor(
  image: Tensor,
  height: number,
  width: number,
  layout: Layout = 'NCHW',
): Tensor {
  checkSize(width, height, 'Resize');
  return eachPlane(image, layout, height, width, (from, to) => resamplePlane(from, to));
}

/**
 * Adjoint (transpose) of {@link resizeImageTensor} from `height × width` to the size of `grad`:
 * maps a gradient on the resized image back to a gradient on the source image (chain rule).
 */
export function resizeImageTensorAdjoint(
  grad: Tensor,
  height: number,
  width: number,
  layout: Layout = 'NCHW',
): Tensor {
  checkSize(width, height, 'Resize');
  return eachPlane(grad, layout, height, width, (from, to) => resamplePlaneAdjoint(from, to));
}

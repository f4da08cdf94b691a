// Shapes of image tensors in either layout, and moving between a model's layout and the planar
// (channels-first) form the dream loops compute in.
import { FvError } from '../errors.js';
import type { Layout } from '../preprocess/config.js';
import type { Tensor } from '../tensor.js';

/** Sizes and strides of a 4-D image tensor in either layout. */
export interface ImageShape {
  readonly layout: Layout;
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Elements per batch item. */
  readonly itemSize: number;
  /** Distance between neighbouring channels of one pixel. */
  readonly channelStride: number;
  /** Distance between neighbouring pixels of one channel. */
  readonly pixelStride: number;
}

/**
 * Reads a 4-D image tensor shape in the given layout.
 * @throws FvError `SHAPE_MISMATCH` when `dims` is not 4-D or has an empty axis.
 */
export function imageShape(dims: readonly number[], layout: Layout): ImageShape {
  if (dims.length !== 4 || dims.some((d) => !(d >= 1))) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `An image tensor must be 4-D (${layout}) without empty axes, got shape [${dims.join(', ')}]`,
    );
  }
  const [batch, a, b, c] = dims as [number, number, number, number];
  const [channels, height, width] = layout === 'NCHW' ? [a, b, c] : [c, a, b];
  return {
    layout,
    batch,
    channels,
    height,
    width,
    itemSize: channels * height * width,
    channelStride: layout === 'NCHW' ? height * width : 1,
    pixelStride: layout === 'NCHW' ? 1 : channels,
  };
}

/** Offset of element (channel `c`, pixel `p = y · width + x`) within one batch item. */
export function elementOffset(shape: ImageShape, c: number, p: number): number {
  return c * shape.channelStride + p * shape.pixelStride;
}

/** The dims of a `batch × channels × height × width` image in `layout`. */
export function imageDims(
  layout: Layout,
  batch: number,
  channels: number,
  height: number,
  width: number,
): number[] {
  return layout === 'NCHW' ? [batch, channels, height, width] : [batch, height, width, channels];
}

/**
 * `[N, C, H, W]` → `[N, H, W, C]` (`toLast`), or back (a copy): element (channel c, pixel p) of
 * item b moves between `b·C·P + c·P + p` and `b·C·P + p·C + c`.
 */
function transposed(t: Tensor, toLast: boolean): Tensor {
  const [n, a, b, d] = t.dims as [number, number, number, number];
  const [c, h, w] = toLast ? [a, b, d] : [d, a, b];
  const out = new Float32Array(t.data.length);
  const plane = h * w;
  for (let item = 0; item < n; item++) {
    const base = item * c * plane;
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < plane; p++) {
        const first = base + ch * plane + p;
        const last = base + p * c + ch;
        if (toLast) out[last] = t.data[first]!;
        else out[first] = t.data[last]!;
      }
    }
  }
  return { data: out, dims: toLast ? [n, h, w, c] : [n, c, h, w] };
}

/** An image tensor in `layout` as planar `[N, C, H, W]` (the same tensor for `NCHW`). */
export function toPlanar(t: Tensor, layout: Layout): Tensor {
  imageShape(t.dims, layout);
  return layout === 'NCHW' ? t : transposed(t, false);
}

/** A planar `[N, C, H, W]` image in `layout` (the same tensor for `NCHW`). */
export function fromPlanar(t: Tensor, layout: Layout): Tensor {
  imageShape(t.dims, 'NCHW');
  return layout === 'NCHW' ? t : transposed(t, true);
}

import { FvError } from '../errors.js';
import type { Layout } from './config.js';

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
 * @throws FvError `SHAPE_MISMATCH` when `dims` is not 4-D.
 */
export function imageShape(dims: readonly number[], layout: Layout): ImageShape {
  if (dims.length !== 4) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `An image tensor must be 4-D (${layout}), got shape [${dims.join(', ')}]`,
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

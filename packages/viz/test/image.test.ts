import { tensor } from '@fv/core';
import { describe, expect, it } from 'vitest';
import { assertImage, createImage, createMap2D, mapFromTensor, parseColor } from '../src/index.js';
import { expectFvError, pixel } from './support.js';

describe('createImage and createMap2D', () => {
  it('creates filled images and checked maps', () => {
    const image = createImage(3, 2, '#102030');
    expect(image.data.length).toBe(24);
    expect(pixel(image, 2, 1)).toEqual([16, 32, 48, 255]);
    expect(pixel(createImage(1, 1), 0, 0)).toEqual([0, 0, 0, 0]);
    expect(createMap2D([1, 2], 2, 1).data).toBeInstanceOf(Float32Array);
    expectFvError(() => createMap2D([1, 2, 3], 2, 1), 'SHAPE_MISMATCH');
    expectFvError(() => createImage(0, 1), 'INVALID_ARGUMENT');
    expectFvError(() => createMap2D([], 1.5, 0), 'INVALID_ARGUMENT');
  });

  it('assertImage names what is wrong', () => {
    const error = expectFvError(
      () => assertImage({ data: new Uint8ClampedArray(5), width: 1, height: 1 }, 'frame 3'),
      'INVALID_IMAGE',
    );
    expect(error.message).toContain('frame 3');
  });
});

describe('parseColor', () => {
  it('reads hex strings and tuples', () => {
    expect(parseColor('#fff')).toEqual([255, 255, 255, 255]);
    expect(parseColor('#0a0B0c')).toEqual([10, 11, 12, 255]);
    expect(parseColor('#01020380')).toEqual([1, 2, 3, 128]);
    expect(parseColor([1, 2, 3])).toEqual([1, 2, 3, 255]);
    expect(parseColor([1, 2, 3, 4])).toEqual([1, 2, 3, 4]);
    expectFvError(() => parseColor('blue'), 'INVALID_ARGUMENT');
    expectFvError(() => parseColor([1, 2, 300]), 'INVALID_ARGUMENT');
  });
});

describe('mapFromTensor', () => {
  // Two channels of a 1×2×1×2 NCHW tensor: c0 = [1, -2], c1 = [3, 1].
  const nchw = tensor([1, -2, 3, 1], [1, 2, 1, 2]);

  it('sums channels by default (Captum)', () => {
    const map = mapFromTensor(nchw);
    expect([map.width, map.height]).toEqual([2, 1]);
    expect(Array.from(map.data)).toEqual([4, -1]);
  });

  it('supports sum-abs (PAIR), mean and max-abs', () => {
    expect(Array.from(mapFromTensor(nchw, { reduce: 'sum-abs' }).data)).toEqual([4, 3]);
    expect(Array.from(mapFromTensor(nchw, { reduce: 'mean' }).data)).toEqual([2, -0.5]);
    expect(Array.from(mapFromTensor(nchw, { reduce: 'max-abs' }).data)).toEqual([3, -2]);
  });

  it('reads HWC and plain HW tensors', () => {
    // [1, 2, 2] HWC: pixel 0 = (1, 3), pixel 1 = (-2, 1).
    const hwc = tensor([1, 3, -2, 1], [1, 2, 2]);
    expect(Array.from(mapFromTensor(hwc, { layout: 'hwc' }).data)).toEqual([4, -1]);
    const hw = mapFromTensor(tensor([1, 2, 3, 4, 5, 6], [2, 3]));
    expect([hw.width, hw.height]).toEqual([3, 2]);
  });

  it('rejects batches and non-image shapes', () => {
    expectFvError(() => mapFromTensor(tensor(new Float32Array(8), [2, 1, 2, 2])), 'SHAPE_MISMATCH');
    expectFvError(() => mapFromTensor(tensor(new Float32Array(4), [4])), 'SHAPE_MISMATCH');
  });
});

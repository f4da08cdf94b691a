import { describe, expect, it } from 'vitest';
import { float16ToNumber, sizeOf, tensor } from '../src/tensor.js';

describe('tensor', () => {
  it('checks the element count against the shape', () => {
    expect(tensor([1, 2, 3, 4, 5, 6], [2, 3]).dims).toEqual([2, 3]);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrowError(/3 elements but shape \[2, 2\] needs 4/);
  });
  it('computes sizes', () => {
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([1, 3, 224, 224])).toBe(150528);
  });
});

describe('float16ToNumber', () => {
  it('decodes IEEE 754 half precision (normal, subnormal, signed zero, infinity, NaN)', () => {
    // Reference values from the binary16 definition (also numpy.frombuffer(..., '<f2')).
    expect(float16ToNumber(0x3c00)).toBe(1);
    expect(float16ToNumber(0xc000)).toBe(-2);
    expect(float16ToNumber(0x3555)).toBe(0.333251953125);
    expect(float16ToNumber(0x7bff)).toBe(65504);
    expect(float16ToNumber(0x0001)).toBe(2 ** -24);
    expect(float16ToNumber(0x0400)).toBe(2 ** -14);
    expect(Object.is(float16ToNumber(0x8000), -0)).toBe(true);
    expect(float16ToNumber(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(float16ToNumber(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(float16ToNumber(0x7e00)).toBeNaN();
  });
});

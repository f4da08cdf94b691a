import { describe, expect, it } from 'vitest';
import { sizeOf, tensor } from '../src/tensor.js';

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

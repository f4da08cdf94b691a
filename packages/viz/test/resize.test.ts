import { describe, expect, it } from 'vitest';
import { createImage, resizeImage } from '../src/index.js';
import { expectFvError, noiseImage, pixel } from './support.js';

describe('resizeImage', () => {
  it('scales by nearest neighbour, keeping exact colours', () => {
    const image = noiseImage(2, 2, 5);
    const big = resizeImage(image, 4, 4);
    expect(pixel(big, 0, 0)).toEqual(pixel(image, 0, 0));
    expect(pixel(big, 3, 1)).toEqual(pixel(image, 1, 0));
    expect(pixel(big, 1, 3)).toEqual(pixel(image, 0, 1));
    expect(resizeImage(image, 2, 2)).toBe(image);
  });

  it('works on unaligned pixel data', () => {
    const backing = new Uint8ClampedArray(17);
    backing.set([9, 8, 7, 6], 1);
    const image = { data: backing.subarray(1, 17), width: 2, height: 2 };
    expect(pixel(resizeImage(image, 4, 4), 0, 0)).toEqual([9, 8, 7, 6]);
    expectFvError(() => resizeImage(createImage(1, 1), -1, 1), 'INVALID_ARGUMENT');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeJpeg, isJpeg } from '../../src/index.js';
import { expectFvError } from '../support.js';

const fixtures = join(import.meta.dirname, '../fixtures');
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as Record<
  string,
  { width: number; height: number; rgba: number[] }
>;

describe('decodeJpeg', () => {
  it('decodes baseline and progressive JPEGs from libjpeg (Pillow) to within 3 levels of libjpeg', () => {
    for (const name of ['baseline.jpg', 'progressive.jpg']) {
      const bytes = readFileSync(join(fixtures, name));
      expect(isJpeg(bytes)).toBe(true);
      const image = decodeJpeg(bytes);
      const truth = expected[name]!;
      expect([image.width, image.height], name).toEqual([truth.width, truth.height]);
      let worst = 0;
      image.data.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(v - truth.rgba[i]!));
      });
      expect(worst, name).toBeLessThanOrEqual(3);
      expect(image.data[3]).toBe(255);
    }
  });

  it('decodes what jpeg-js encodes', () => {
    const width = 16;
    const height = 8;
    const data = new Uint8Array(width * height * 4).fill(255);
    for (let i = 0; i < data.length; i += 4) data.set([200, 100, 50], i);
    const encoded = jpeg.encode({ data, width, height }, 100);
    const image = decodeJpeg(new Uint8Array(encoded.data));
    expect([image.width, image.height]).toEqual([width, height]);
    for (let i = 0; i < image.data.length; i += 4) {
      expect(Math.abs(image.data[i]! - 200)).toBeLessThanOrEqual(2);
      expect(Math.abs(image.data[i + 1]! - 100)).toBeLessThanOrEqual(2);
      expect(Math.abs(image.data[i + 2]! - 50)).toBeLessThanOrEqual(2);
    }
  });

  it('rejects bad bytes with INVALID_IMAGE', () => {
    expectFvError(() => decodeJpeg(new Uint8Array([0x89, 0x50])), 'INVALID_IMAGE');
    const truncated = readFileSync(join(fixtures, 'baseline.jpg')).subarray(0, 40);
    const error = expectFvError(() => decodeJpeg(new Uint8Array(truncated)), 'INVALID_IMAGE');
    expect(error.message).toMatch(/JPEG/);
  });
});

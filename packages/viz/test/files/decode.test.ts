import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage, encodePng, sniffImageFormat } from '../../src/index.js';
import { expectFvError, noiseImage } from '../support.js';

const fixtures = join(import.meta.dirname, '../fixtures');

describe('decodeImage', () => {
  it('tells PNG from JPEG by their bytes', () => {
    const png = encodePng(noiseImage(3, 2));
    const jpg = new Uint8Array(readFileSync(join(fixtures, 'baseline.jpg')));
    expect(sniffImageFormat(png)).toBe('png');
    expect(sniffImageFormat(jpg)).toBe('jpeg');
    expect(sniffImageFormat(new Uint8Array([0x47, 0x49, 0x46]))).toBeUndefined();
    expect(decodeImage(png).data).toEqual(noiseImage(3, 2).data);
    expect(decodeImage(jpg).width).toBe(16);
    // Node Buffers are Uint8Arrays.
    expect(decodeImage(readFileSync(join(fixtures, 'rgb8.png'))).width).toBe(8);
  });

  it('reports unknown formats and empty input as INVALID_IMAGE, naming the bytes', () => {
    const gif = new TextEncoder().encode('GIF89a....');
    const error = expectFvError(() => decodeImage(gif), 'INVALID_IMAGE');
    expect(error.message).toContain('47 49 46 38 39 61');
    expectFvError(() => decodeImage(new Uint8Array(0)), 'INVALID_IMAGE');
    expectFvError(() => decodeImage('not bytes' as never), 'INVALID_IMAGE');
  });
});

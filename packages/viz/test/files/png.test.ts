import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createImage,
  decodeApng,
  decodePng,
  encodeApng,
  encodePng,
  isPng,
} from '../../src/index.js';
import { expectFvError, noiseImage, pixel } from '../support.js';

const fixtures = join(import.meta.dirname, '../fixtures');
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as Record<
  string,
  { width: number; height: number; rgba: number[] }
>;

describe('encodePng / decodePng', () => {
  it('round-trips random RGBA pixels byte for byte (incompressible data too)', () => {
    for (const [w, h] of [
      [1, 1],
      [3, 5],
      [64, 64],
      [257, 3],
    ] as const) {
      const image = noiseImage(w, h, w * 1000 + h);
      const bytes = encodePng(image);
      expect(isPng(bytes)).toBe(true);
      const back = decodePng(bytes);
      expect([back.width, back.height]).toEqual([w, h]);
      expect(back.data).toEqual(image.data);
    }
  });

  it('round-trips opaque, few-colour and fully transparent images', () => {
    const opaque = noiseImage(17, 9, 2, true);
    expect(decodePng(encodePng(opaque)).data).toEqual(opaque.data);
    const flat = createImage(40, 30, '#ff8000');
    flat.data.set([1, 2, 3, 4], 100);
    const flatBytes = encodePng(flat);
    expect(flatBytes.length).toBeLessThan(200); // palette + deflate
    expect(decodePng(flatBytes).data).toEqual(flat.data);
    const clear = createImage(4, 4);
    expect(decodePng(encodePng(clear)).data).toEqual(clear.data);
  });

  it('decodes PNGs written by another encoder (Pillow/libpng): RGB, RGBA, 16-bit grey, palette', () => {
    for (const name of ['rgb8.png', 'rgba8.png', 'gray16.png', 'palette.png']) {
      const image = decodePng(readFileSync(join(fixtures, name)));
      const truth = expected[name]!;
      expect([image.width, image.height], name).toEqual([truth.width, truth.height]);
      expect(Array.from(image.data), name).toEqual(truth.rgba);
    }
  });

  it('rejects bytes that are not a PNG with INVALID_IMAGE', () => {
    expectFvError(() => decodePng(new Uint8Array([1, 2, 3])), 'INVALID_IMAGE');
    const good = encodePng(noiseImage(8, 8));
    // Signature intact, everything after it garbage.
    const garbage = good.slice();
    garbage.fill(0xab, 8);
    expectFvError(() => decodePng(garbage), 'INVALID_IMAGE');
    // Truncated in the middle of the pixel data.
    expectFvError(() => decodePng(good.slice(0, 60)), 'INVALID_IMAGE');
  });
});

describe('encodeApng / decodeApng', () => {
  it('decodes back to the right frames, pixels, delays and loop count', () => {
    const frames = [0, 1, 2, 3, 4].map((i) => noiseImage(12, 7, 50 + i));
    // Frames 3 and 4 repeat frame 0 partly, so upng-js encodes sub-rectangles.
    frames[3]!.data.set(frames[0]!.data.subarray(0, 200));
    frames[4]!.data.set(frames[3]!.data);
    frames[4]!.data[5] = 0;
    const bytes = encodeApng(frames, { delay: [40, 80, 120, 160, 65535], loops: 3 });
    const decoded = decodeApng(bytes);
    expect([decoded.width, decoded.height, decoded.loops]).toEqual([12, 7, 3]);
    expect(decoded.frames).toHaveLength(5);
    decoded.frames.forEach((frame, i) => {
      expect(frame.image.data, `frame ${i}`).toEqual(frames[i]!.data);
    });
    expect(decoded.frames.map((f) => f.delay)).toEqual([40, 80, 120, 160, 65535]);
    // A PNG decoder that ignores animation sees the first frame.
    expect(decodePng(bytes).data).toEqual(frames[0]!.data);
  });

  it('round-trips opaque frames with one delay, looping forever by default', () => {
    const frames = [1, 2, 3].map((i) => createImage(9, 9, [i * 40, 255 - i * 40, 7, 255]));
    frames[1]!.data.set([0, 0, 0, 255], 40);
    const decoded = decodeApng(encodeApng(frames, { delay: 100 }));
    expect(decoded.loops).toBe(0);
    expect(decoded.frames.map((f) => f.delay)).toEqual([100, 100, 100]);
    decoded.frames.forEach((frame, i) => {
      expect(frame.image.data).toEqual(frames[i]!.data);
    });
    expect(pixel(decoded.frames[1]!.image, 1, 1)).toEqual([0, 0, 0, 255]);
  });

  it('a single frame is a plain PNG; a plain PNG decodes as one frame', () => {
    const one = noiseImage(3, 3);
    const decoded = decodeApng(encodeApng([one]));
    expect(decoded.frames).toHaveLength(1);
    expect(decoded.frames[0]!.image.data).toEqual(one.data);
  });

  it('rejects bad frame lists', () => {
    expectFvError(() => encodeApng([]), 'INVALID_ARGUMENT');
    expectFvError(() => encodeApng([createImage(2, 2), createImage(2, 3)]), 'INVALID_ARGUMENT');
    expectFvError(
      () => encodeApng([createImage(2, 2), createImage(2, 2)], { delay: [1] }),
      'INVALID_ARGUMENT',
    );
    expectFvError(() => encodeApng([createImage(2, 2)], { delay: 70000 }), 'INVALID_ARGUMENT');
    expectFvError(() => encodeApng([createImage(2, 2)], { loops: -1 }), 'INVALID_ARGUMENT');
  });
});

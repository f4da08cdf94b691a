import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
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

/** IHDR fields and the inflated IDAT stream, read with Node's zlib (not the encoder's deflate). */
function pngStructure(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  const types: string[] = [];
  let ihdr = { width: 0, height: 0, depth: 0, ctype: 0 };
  for (let at = 8; at < bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const body = bytes.subarray(at + 8, at + 8 + length);
    types.push(type);
    if (type === 'IHDR') {
      ihdr = {
        width: view.getUint32(at + 8),
        height: view.getUint32(at + 12),
        depth: body[8]!,
        ctype: body[9]!,
      };
    }
    if (type === 'IDAT') idat.push(body);
    at += 12 + length;
  }
  const stream = inflateSync(Buffer.concat(idat));
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[ihdr.ctype]!;
  const bpl = Math.ceil((ihdr.width * channels * ihdr.depth) / 8);
  const filters = Array.from({ length: ihdr.height }, (_, y) => stream[y * (bpl + 1)]!);
  return { ...ihdr, types, streamLength: stream.length, bpl, filters };
}

describe('encodePng: filtering and deflate', () => {
  // A smooth gradient with a little noise (filters pay off) and a colormapped heat map in blocks
  // (filter None pays off), RGBA and opaque, at sizes around the 32-row sample band.
  function gradient(w: number, h: number, opaque: boolean) {
    const image = noiseImage(w, h, w + h, opaque);
    for (let i = 0; i < w * h; i++) {
      const x = i % w;
      const y = Math.floor(i / w);
      image.data[i * 4] = (x * 3 + y + (image.data[i * 4]! & 3)) & 255;
      image.data[i * 4 + 1] = (y * 2 + (image.data[i * 4 + 1]! & 1)) & 255;
      image.data[i * 4 + 2] = (x + y) & 255;
      if (!opaque) image.data[i * 4 + 3] = 128 + ((x + y) & 127);
    }
    return image;
  }
  function heatMap(w: number, h: number) {
    const image = createImage(w, h);
    const colors = noiseImage(300, 1, 7, true).data;
    for (let i = 0; i < w * h; i++) {
      const x = Math.floor((i % w) / 4);
      const y = Math.floor(Math.floor(i / w) / 4);
      const c = (x * 7 + y * 13) % 300;
      image.data.set(colors.subarray(c * 4, c * 4 + 4), i * 4);
    }
    return image;
  }

  it('writes exact pixels that Node’s zlib inflates and upng-js decodes, at odd sizes', () => {
    // [name, image, bit depth, colour type]: up to 256 colours give a palette (type 3).
    const cases = [
      ['1×1 RGBA', noiseImage(1, 1, 3), 1, 3],
      ['1×40 noise', noiseImage(1, 40, 5), 8, 3],
      ['41×1 noise', noiseImage(41, 1, 6, true), 8, 3],
      ['17×17 noise RGBA', noiseImage(17, 17, 4), 8, 6],
      ['19×15 noise RGB', noiseImage(19, 15, 4, true), 8, 2],
      ['33×31 gradient RGBA', gradient(33, 31, false), 8, 6],
      ['97×150 gradient RGB', gradient(97, 150, true), 8, 2],
      ['131×77 heat map', heatMap(131, 77), 8, 2],
      ['300×333 noise RGBA', noiseImage(300, 333, 8), 8, 6],
    ] as const;
    for (const [name, image, depth, ctype] of cases) {
      const bytes = encodePng(image);
      const png = pngStructure(bytes);
      expect([png.width, png.height, png.depth, png.ctype], name).toEqual([
        image.width,
        image.height,
        depth,
        ctype,
      ]);
      expect(png.streamLength, name).toBe(png.height * (png.bpl + 1));
      expect(
        png.filters.every((f) => f <= 4),
        name,
      ).toBe(true);
      expect(decodePng(bytes).data, name).toEqual(image.data);
    }
  });

  it('picks filters per row for smooth images and None for colormapped blocks', () => {
    const smooth = pngStructure(encodePng(gradient(97, 150, true)));
    expect(smooth.filters.some((f) => f !== 0)).toBe(true);
    const map = heatMap(200, 120);
    const mapped = pngStructure(encodePng(map));
    expect(mapped.filters.every((f) => f === 0)).toBe(true);
    expect(decodePng(encodePng(map)).data).toEqual(map.data);
  });

  it('keeps an exact palette (with tRNS when there is alpha) for up to 256 colours', () => {
    for (const [count, depth] of [
      [2, 1],
      [4, 2],
      [16, 4],
      [256, 8],
    ] as const) {
      // `count` colours in all, upng-js counting transparent black as one of them.
      const image = createImage(37, 23);
      const colors = noiseImage(count - 1, 1, count).data;
      for (let i = 0; i < 37 * 23; i++) {
        const c = i % count;
        if (c > 0) image.data.set(colors.subarray((c - 1) * 4, c * 4), i * 4);
      }
      const bytes = encodePng(image);
      const png = pngStructure(bytes);
      expect([png.ctype, png.depth], `${count} colours`).toEqual([3, depth]);
      expect(png.types.slice(0, 5), `${count} colours`).toEqual([
        'IHDR',
        'sRGB',
        'PLTE',
        'tRNS',
        'IDAT',
      ]);
      expect(png.filters.every((f) => f === 0)).toBe(true);
      expect(decodePng(bytes).data, `${count} colours`).toEqual(image.data);
    }
    // 257 colours: no palette.
    const many = noiseImage(257, 1, 9, true);
    expect(pngStructure(encodePng(many)).ctype).toBe(2);
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

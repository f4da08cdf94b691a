// Models in either layout, end to end through the CLI: the same network saved channels first and
// channels last (as Keras/tf2onnx exports it: input [1, 64, 64, C], a Transpose, the NCHW graph),
// for colour and grayscale. `fv saliency`, `fv dream`, `fv visualize` and `fv classviz` give the
// same results for both forms.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng, encodePng } from '@fv/viz';
import { describe, expect, test } from 'vitest';
import { layoutTwins } from '../../../test/helpers/tiny-cnn.js';
import { readNpy } from '../src/npy.js';
import { fv, tempDir } from './helpers.js';

/** A 64×64 RGB test pattern with structure at several scales. */
function pattern(size = 64): Uint8Array {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      data[i] = 128 + 100 * Math.sin(x / 5);
      data[i + 1] = 128 + 100 * Math.cos((x + y) / 9);
      data[i + 2] = (x * y) % 256;
      data[i + 3] = 255;
    }
  }
  return encodePng({ data, width: size, height: size });
}

const npy = (file: string) => readNpy(new Uint8Array(readFileSync(file)));
const png = (file: string) => decodePng(new Uint8Array(readFileSync(file)));

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** `[1, H, W, C]` data as `[1, C, H, W]`. */
function channelsFirst(data: Float32Array, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) out[k * h * w + p] = data[p * c + k]!;
  return out;
}

describe.each([3, 1] as const)('a %i-channel model in NCHW and NHWC form', (channels) => {
  const dir = tempDir('fv-layout-');
  const twins = layoutTwins(channels);
  const models = { nchw: join(dir, 'nchw.onnx'), nhwc: join(dir, 'nhwc.onnx') } as const;
  writeFileSync(models.nchw, twins.nchw);
  writeFileSync(models.nhwc, twins.nhwc);
  const image = join(dir, 'pattern.png');
  writeFileSync(image, pattern());

  /** Runs `fv` on both models (`out` is a file name per model) and checks each succeeded. */
  async function both(args: (model: string, out: (name: string) => string) => string[]) {
    const out = (layout: string) => (name: string) => join(dir, `${layout}-${name}`);
    const runs = await Promise.all(
      (['nchw', 'nhwc'] as const).map((layout) => fv(args(models[layout], out(layout)))),
    );
    for (const r of runs) expect(r.stderr, r.stderr).toBe('');
    for (const r of runs) expect(r.code).toBe(0);
    return { nchw: out('nchw'), nhwc: out('nhwc') };
  }

  test('fv saliency: the same maps and attribution (transposed)', async () => {
    const out = await both((model, file) => [
      'saliency',
      model,
      image,
      '--method',
      'smoothgrad',
      '--samples',
      '4',
      '--target',
      '2',
      '--maps',
      'none',
      '--save-npy',
      '--out',
      file('map.png'),
    ]);
    const maps = [npy(out.nchw('map.maps.npy')), npy(out.nhwc('map.maps.npy'))];
    expect(maps[0]!.shape).toEqual([3, 64, 64]);
    expect(maps[1]!.shape).toEqual([3, 64, 64]);
    const scale = Math.max(...maps[0]!.data.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    expect(maxDiff(maps[1]!.data, maps[0]!.data) / scale).toBeLessThan(1e-5);
    const a = npy(out.nchw('map.npy'));
    const b = npy(out.nhwc('map.npy'));
    expect(a.shape).toEqual([1, channels, 64, 64]);
    expect(b.shape).toEqual([1, 64, 64, channels]);
    expect(maxDiff(channelsFirst(b.data, 64, 64, channels), a.data) / scale).toBeLessThan(1e-5);
  });

  test('fv dream, fv visualize, fv classviz: the same pictures', async () => {
    const dream = await both((model, file) => [
      'dream',
      model,
      image,
      '--layer',
      twins.layer,
      '--octaves',
      '2',
      '--steps',
      '3',
      '--out',
      file('dream.png'),
    ]);
    const units = await both((model, file) => [
      'visualize',
      model,
      '--layer',
      twins.layer,
      '--channels',
      '0-1',
      '--size',
      '48',
      '--steps',
      '4',
      '--out',
      file('units.png'),
    ]);
    const classes = await both((model, file) => [
      'classviz',
      model,
      '--target',
      '3',
      '--steps',
      '4',
      '--out',
      file('class.png'),
    ]);
    for (const [name, out] of [
      ['dream.png', dream],
      ['units.png', units],
      ['class.png', classes],
    ] as const) {
      const a = png(out.nchw(name));
      const b = png(out.nhwc(name));
      expect([b.width, b.height]).toEqual([a.width, a.height]);
      // 8-bit pictures of float computations that differ only in summation order.
      expect(maxDiff(b.data, a.data), name).toBeLessThanOrEqual(1);
      // Not a blank picture: the loops changed something.
      expect(new Set(a.data).size, name).toBeGreaterThan(8);
    }
  });
});

// Spearman and SSIM against scipy.stats.spearmanr and skimage.metrics.structural_similarity
// (tools/metrics_fixtures.py), plus the properties the randomization check relies on.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mapSimilarity, spearman, ssim } from '../../src/index.js';
import { averageRanks } from '../../src/metrics/similarity.js';

const manifest = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../../test/fixtures/metrics/manifest.json', import.meta.url)),
    'utf8',
  ),
);

interface Case {
  name: string;
  width: number;
  height: number;
  windowSize: number;
  a: number[];
  b: number[];
  spearman: number;
  ssim: number;
}

describe.each((manifest.similarity as Case[]).map((c) => [c.name, c] as const))('%s', (_n, c) => {
  const a = { data: Float32Array.from(c.a), width: c.width, height: c.height };
  const b = { data: Float32Array.from(c.b), width: c.width, height: c.height };

  it('Spearman equals scipy.stats.spearmanr', () => {
    expect(Math.abs(spearman(a.data, b.data) - c.spearman)).toBeLessThan(1e-12);
  });

  it('SSIM equals skimage structural_similarity (data_range 1)', () => {
    expect(Math.abs(ssim(a, b, { windowSize: c.windowSize }) - c.ssim)).toBeLessThan(1e-10);
  });
});

describe('similarity properties', () => {
  it('ranks ties by their average rank (scipy rankdata)', () => {
    expect(Array.from(averageRanks([10, 20, 10, 30, 20, 20]))).toEqual([1.5, 4, 1.5, 6, 4, 4]);
  });

  it('is 1 for identical maps and NaN for a constant one', () => {
    const m = {
      data: Float32Array.from({ length: 64 }, (_, i) => (i * 37) % 11),
      width: 8,
      height: 8,
    };
    expect(spearman(m.data, m.data)).toBe(1);
    expect(ssim(m, m, { dataRange: 10 })).toBeCloseTo(1, 12);
    expect(spearman(m.data, new Float32Array(64))).toBeNaN();
    expect(
      spearman(
        m.data,
        m.data.map((v) => -v),
      ),
    ).toBe(-1);
  });

  it('mapSimilarity: absolute and signed Spearman, SSIM of maps scaled to [0, 1]', () => {
    const size = 12 * 12;
    const signed = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.7) * (i % 5));
    const maps = (s: Float32Array) => ({ data: s, width: 12, height: 12 });
    const same = mapSimilarity(maps(signed), maps(signed.map((v) => 3 * v)));
    expect(same.spearmanAbsolute).toBe(1);
    expect(same.spearmanSigned).toBe(1);
    expect(same.ssim).toBeCloseTo(1, 6);
    // Flipping the sign keeps |S| but reverses the signed ranks.
    const flipped = mapSimilarity(maps(signed), maps(signed.map((v) => -v)));
    expect(flipped.spearmanAbsolute).toBe(1);
    expect(flipped.spearmanSigned).toBe(-1);
  });

  it('rejects maps of different sizes and bad windows', () => {
    const a = { data: new Float32Array(64), width: 8, height: 8 };
    const b = { data: new Float32Array(63), width: 9, height: 7 };
    expect(() => ssim(a, b)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => ssim(a, a, { windowSize: 9 })).toThrow(/windowSize/);
    expect(() => ssim(a, a, { windowSize: 4 })).toThrow(/odd/);
    expect(() => spearman([1, 2], [1])).toThrow(
      expect.objectContaining({ code: 'SHAPE_MISMATCH' }),
    );
    expect(() => spearman([1, Number.NaN], [1, 2])).toThrow(/non-finite/);
  });
});

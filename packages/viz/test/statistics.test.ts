import { describe, expect, it } from 'vitest';
import { cumulativeSumThreshold, extent, percentile } from '../src/index.js';
import { expectFvError, rng } from './support.js';

/** Captum's `_cumulative_sum_threshold`, literally: sort, cumulative sum, first index ≥ target. */
function captumThreshold(values: Float32Array, p: number): number {
  const sorted = Float32Array.from(values).sort();
  let total = 0;
  for (const v of sorted) total += v;
  let acc = 0;
  for (const v of sorted) {
    acc += v;
    if (acc >= total * 0.01 * p) return v;
  }
  return sorted[sorted.length - 1]!;
}

/** numpy.percentile with its default linear interpolation, literally. */
function numpyPercentile(values: Float32Array, p: number): number {
  const sorted = Float32Array.from(values).sort();
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

describe('cumulativeSumThreshold (Captum outlier threshold)', () => {
  it('matches hand-computed cases', () => {
    // Total 100; 98 % is reached only at the last value.
    expect(cumulativeSumThreshold(Float32Array.of(1, 1, 1, 97), 98)).toBe(97);
    // Total 10; cumulative sums 1, 3, 6, 10; 50 % = 5 is first reached at 3.
    expect(cumulativeSumThreshold(Float32Array.of(4, 2, 1, 3), 50)).toBe(3);
    // Exactly reaching the target counts (>=): 60 % = 6 is reached at 3.
    expect(cumulativeSumThreshold(Float32Array.of(3, 1, 2, 4), 60)).toBe(3);
    // 100 % is the maximum; 0 % the minimum.
    expect(cumulativeSumThreshold(Float32Array.of(0.5, 2, 8), 100)).toBe(8);
    expect(cumulativeSumThreshold(Float32Array.of(0.5, 2, 8), 0)).toBe(0.5);
  });

  it('drops the heaviest 2 % of the mass with outlier_perc 2', () => {
    // 100 values of 1 and one of 3: total 103, 98 % = 100.94: reached only by the 3.
    const values = new Float32Array(101).fill(1);
    values[50] = 3;
    expect(cumulativeSumThreshold(values, 98)).toBe(3);
    // With 1000 ones and one 15: total 1015, 98 % = 994.7 is reached among the ones.
    const many = new Float32Array(1001).fill(1);
    many[0] = 15;
    expect(cumulativeSumThreshold(many, 98)).toBe(1);
  });

  it('agrees with the sort-based definition on random data', () => {
    const next = rng(7);
    for (const n of [1, 2, 17, 1000, 50_000]) {
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = next() ** 3 * (next() < 0.1 ? 100 : 1);
      for (const p of [50, 90, 98, 99.9]) {
        expect(cumulativeSumThreshold(values, p), `n=${n} p=${p}`).toBe(captumThreshold(values, p));
      }
    }
  });

  it('agrees on large maps, where a sampled band is selected in one pass', () => {
    const next = rng(11);
    const n = 1 << 20;
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const smooth = Math.exp(-(((i % 1024) - 400) ** 2) / 20000 - ((i >> 10) - 600) ** 2 / 30000);
      values[i] = Math.abs(smooth + 0.05 * (next() - 0.5)) + (next() < 1e-4 ? 50 : 0);
    }
    for (const p of [98, 90, 50]) {
      expect(cumulativeSumThreshold(values, p), `p=${p}`).toBe(captumThreshold(values, p));
    }
  });

  it('stays exact when the sample misleads and falls back to the full histogram', () => {
    // One value the sample cannot see (the first run of 2^18 values covers 0..15) holds 3 % of the
    // mass, so the threshold is that value, far above the band the sample suggests.
    const n = 1 << 18;
    const values = new Float32Array(n).fill(1);
    values[20] = (0.03 * n) / 0.97;
    expect(cumulativeSumThreshold(values, 98)).toBe(values[20]);
    expect(cumulativeSumThreshold(values, 98)).toBe(captumThreshold(values, 98));
    // Periodic data.
    const periodic = new Float32Array(n);
    for (let i = 0; i < n; i++) periodic[i] = i % 4 === 0 ? 1e-3 : 1 + (i % 1000) / 1000;
    expect(cumulativeSumThreshold(periodic, 98)).toBe(captumThreshold(periodic, 98));
  });

  it('stays exact on large maps with many zeros (a band from 0) and with NaN (full histogram)', () => {
    const next = rng(13);
    const n = 1 << 18;
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = next() < 0.7 ? 0 : next() ** 2;
    for (const p of [98, 50, 10]) {
      expect(cumulativeSumThreshold(values, p), `p=${p}`).toBe(captumThreshold(values, p));
      expect(percentile(values, p), `p=${p}`).toBe(numpyPercentile(values, p));
    }
    const holes = Float32Array.from(values);
    for (let i = 0; i < n; i += 997) holes[i] = Number.NaN;
    const finite = holes.filter((v) => !Number.isNaN(v));
    expect(cumulativeSumThreshold(holes, 98)).toBe(captumThreshold(finite, 98));
  });

  it('ignores NaN and rejects negative values, empty input and bad percentiles', () => {
    expect(cumulativeSumThreshold(Float32Array.of(Number.NaN, 1, 1, 97), 98)).toBe(97);
    expectFvError(() => cumulativeSumThreshold(Float32Array.of(1, -1), 98), 'INVALID_ARGUMENT');
    expectFvError(() => cumulativeSumThreshold(new Float32Array(0), 98), 'INVALID_ARGUMENT');
    expectFvError(() => cumulativeSumThreshold(Float32Array.of(1), 101), 'INVALID_ARGUMENT');
  });
});

describe('percentile (numpy linear interpolation)', () => {
  it('matches hand-computed cases', () => {
    expect(percentile(Float32Array.of(1, 2, 3, 4), 50)).toBe(2.5);
    expect(percentile(Float32Array.of(4, 1, 3, 2), 0)).toBe(1);
    expect(percentile(Float32Array.of(4, 1, 3, 2), 100)).toBe(4);
    // numpy.percentile([0, 10, 20, 30, 40], 99) = 39.6
    expect(percentile(Float32Array.of(40, 0, 30, 10, 20), 99)).toBeCloseTo(39.6, 5);
    expect(percentile(Float32Array.of(-5, -1, 3), 50)).toBe(-1);
    expect(percentile(Float32Array.of(7), 99)).toBe(7);
  });

  it('agrees with the sort-based definition on random signed data', () => {
    const next = rng(3);
    for (const n of [2, 33, 4096, 100_000]) {
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = (next() - 0.3) * 10 ** Math.floor(next() * 6 - 3);
      for (const p of [0, 1, 50, 99, 99.9, 100]) {
        expect(percentile(values, p), `n=${n} p=${p}`).toBeCloseTo(numpyPercentile(values, p), 10);
      }
    }
  });

  it('ignores NaN and rejects empty input and bad percentiles', () => {
    expect(percentile(Float32Array.of(Number.NaN, 1, 3), 50)).toBe(2);
    expectFvError(() => percentile(Float32Array.of(Number.NaN), 50), 'INVALID_ARGUMENT');
    expectFvError(() => percentile(Float32Array.of(1), -1), 'INVALID_ARGUMENT');
  });

  it('extent skips NaN', () => {
    expect(extent(Float32Array.of(3, Number.NaN, -2, 5))).toEqual([-2, 5]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  attributionSigns,
  createMap2D,
  normalizeMap,
  resolveNormalization,
  signPart,
} from '../src/index.js';
import { expectFvError, rng } from './support.js';

// 3×2 map. |x| sorted: 0 1 1 2 4 8 (total 16, cumulative 0 1 2 4 8 16).
const map = createMap2D([-4, -1, 0, 1, 2, 8], 3, 2);

function values(options: Parameters<typeof normalizeMap>[1]): number[] {
  return Array.from(normalizeMap(map, options).data);
}

function close(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => {
    expect(v, `index ${i}`).toBeCloseTo(expected[i]!, 6);
  });
}

describe('normalizeMap: Captum outlier clipping (default)', () => {
  it('absolute: divides by the 98 %-mass threshold (8 here)', () => {
    const n = normalizeMap(map);
    expect(n.signed).toBe(false);
    expect(n.range).toEqual([0, 8]);
    close(Array.from(n.data), [0.5, 0.125, 0, 0.125, 0.25, 1]);
  });

  it('positive: negative values become 0 (Captum: (attr > 0) * attr)', () => {
    // Positive part 0 0 0 1 2 8: total 11, 98 % = 10.78, reached at 8.
    close(values({ sign: 'positive' }), [0, 0, 0, 0.125, 0.25, 1]);
  });

  it('negative: magnitudes of the negative part, divided by their own threshold', () => {
    // Negative part -4 -1: Captum divides by -threshold (-4), giving 1 and 0.25.
    const n = normalizeMap(map, { sign: 'negative' });
    expect(n.range).toEqual([0, 4]);
    close(Array.from(n.data), [1, 0.25, 0, 0, 0, 0]);
  });

  it('all: signed, divided by the threshold of |x|, in -1..1', () => {
    const n = normalizeMap(map, { sign: 'all' });
    expect(n.signed).toBe(true);
    expect(n.range).toEqual([-8, 8]);
    close(Array.from(n.data), [-0.5, -0.125, 0, 0.125, 0.25, 1]);
  });

  it('outlierPerc sets the mass treated as outliers and clips above the threshold', () => {
    // 50 % of 16 = 8 is reached at 4.
    close(values({ normalize: { mode: 'outlier', outlierPerc: 50 } }), [1, 0.25, 0, 0.25, 0.5, 1]);
    expect(resolveNormalization()).toEqual({ mode: 'outlier', outlierPerc: 2 });
    expect(resolveNormalization('outlier')).toEqual({ mode: 'outlier', outlierPerc: 2 });
  });
});

describe('normalizeMap: other modes', () => {
  it('percentile (PAIR): unsigned from the minimum to the p-th percentile', () => {
    // 50th percentile of 0 1 1 2 4 8 is 1.5 (linear interpolation); minimum 0.
    const n = normalizeMap(map, { normalize: { mode: 'percentile', percentile: 50 } });
    expect(n.range).toEqual([0, 1.5]);
    close(Array.from(n.data), [1, 2 / 3, 0, 2 / 3, 1, 1]);
    expect(resolveNormalization('percentile')).toEqual({ mode: 'percentile', percentile: 99 });
  });

  it('percentile of a map whose minimum is not 0 starts at the minimum', () => {
    const shifted = createMap2D([2, 3, 4, 5, 6], 5, 1);
    // 75th percentile of 2..6 is 5; minimum 2.
    const n = normalizeMap(shifted, { normalize: { mode: 'percentile', percentile: 75 } });
    close(Array.from(n.data), [0, 1 / 3, 2 / 3, 1, 1]);
  });

  it('absolute min-max of a map across zero starts at the smallest |x|', () => {
    const mixed = createMap2D([-3, 2, 5], 3, 1);
    const n = normalizeMap(mixed, { normalize: 'min-max' });
    expect(n.range).toEqual([2, 5]);
    close(Array.from(n.data), [1 / 3, 0, 1]);
  });

  it('percentile, signed: scaled by the percentile of |x| so that 0 stays in the middle', () => {
    const n = normalizeMap(map, { sign: 'all', normalize: { mode: 'percentile', percentile: 50 } });
    expect(n.range).toEqual([-1.5, 1.5]);
    close(Array.from(n.data), [-1, -2 / 3, 0, 2 / 3, 1, 1]);
  });

  it('min-max: the full range; for signed maps 0 is not centred', () => {
    close(values({ normalize: 'min-max' }), [0.5, 0.125, 0, 0.125, 0.25, 1]);
    const n = normalizeMap(map, { sign: 'all', normalize: 'min-max' });
    expect(n.range).toEqual([-4, 8]);
    close(Array.from(n.data), [-1, -0.5, -1 / 3, -1 / 6, 0, 1]);
  });

  it('abs-max: divides by the largest magnitude, 0 stays 0', () => {
    const n = normalizeMap(map, { sign: 'all', normalize: 'abs-max' });
    expect(n.range).toEqual([-8, 8]);
    close(Array.from(n.data), [-0.5, -0.125, 0, 0.125, 0.25, 1]);
    const shifted = createMap2D([2, 4], 2, 1);
    close(Array.from(normalizeMap(shifted, { normalize: 'abs-max' }).data), [0.5, 1]);
    close(Array.from(normalizeMap(shifted, { normalize: 'min-max' }).data), [0, 1]);
  });

  it('an explicit range overrides the mode and clips', () => {
    const n = normalizeMap(map, { range: [1, 5], normalize: 'abs-max' });
    expect(n.range).toEqual([1, 5]);
    close(Array.from(n.data), [0.75, 0, 0, 0, 0.25, 1]);
    close(values({ sign: 'all', range: [-2, 2] }), [-1, -0.5, 0, 0.5, 1, 1]);
  });

  it('gamma bends the normalized values, keeping their sign', () => {
    close(values({ gamma: 0.5 }), [0.5, 0.125, 0, 0.125, 0.25, 1].map(Math.sqrt));
    close(values({ sign: 'all', normalize: 'abs-max', gamma: 2 }), [
      -0.25,
      -(0.125 ** 2),
      0,
      0.125 ** 2,
      0.0625,
      1,
    ]);
  });
});

describe('normalizeMap on large maps (sampled statistics)', () => {
  const width = 700;
  const height = 400;
  const data = new Float32Array(width * height);
  let seed = 5;
  const next = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  for (let i = 0; i < data.length; i++) {
    const x = (i % width) / width;
    const y = Math.floor(i / width) / height;
    data[i] = Math.sin(9 * x) * Math.cos(7 * y) + 0.3 * (next() - 0.5) + (next() < 1e-4 ? 40 : 0);
  }
  const big = createMap2D(data, width, height);
  const sorted = (f: (v: number) => number) => Float32Array.from(data, f).sort();

  it('outlier threshold per sign matches the sort-based definition', () => {
    const threshold = (values: Float32Array) => {
      let total = 0;
      for (const v of values) total += v;
      let acc = 0;
      for (const v of values) {
        acc += v;
        if (acc >= total * 0.98) return v;
      }
      return values[values.length - 1]!;
    };
    expect(normalizeMap(big).range[1]).toBe(threshold(sorted(Math.abs)));
    expect(normalizeMap(big, { sign: 'positive' }).range[1]).toBe(
      threshold(sorted((v) => Math.max(v, 0))),
    );
    expect(normalizeMap(big, { sign: 'negative' }).range[1]).toBe(
      threshold(sorted((v) => Math.max(-v, 0))),
    );
    expect(normalizeMap(big, { sign: 'all' }).range[1]).toBe(threshold(sorted(Math.abs)));
  });

  it('percentile 99 matches numpy', () => {
    const values = sorted(Math.abs);
    const rank = 0.99 * (values.length - 1);
    const lo = Math.floor(rank);
    const expected = values[lo]! + (values[lo + 1]! - values[lo]!) * (rank - lo);
    const range = normalizeMap(big, { normalize: 'percentile' }).range;
    expect(range[0]).toBe(values[0]);
    expect(range[1]).toBeCloseTo(expected, 6);
    // Sign positive: half the magnitudes are 0, so the band the sample finds may start at 0.
    for (const p of [99, 30]) {
      const positive = sorted((v) => Math.max(v, 0));
      const r = (p / 100) * (positive.length - 1);
      const k = Math.floor(r);
      const want = positive[k]! + (positive[k + 1]! - positive[k]!) * (r - k);
      const got = normalizeMap(big, {
        sign: 'positive',
        normalize: { mode: 'percentile', percentile: p },
      });
      expect(got.range[0]).toBe(0);
      expect(got.range[1], `p=${p}`).toBeCloseTo(want, 6);
    }
  });
});

describe('normalizeMap: edge cases', () => {
  it('leaves non-finite values out of the statistics and keeps them NaN', () => {
    const holes = createMap2D([Number.NaN, 2, Number.POSITIVE_INFINITY, 4], 2, 2);
    const n = normalizeMap(holes, { normalize: 'min-max' });
    expect(n.range).toEqual([2, 4]);
    expect(Number.isNaN(n.data[0])).toBe(true);
    expect(Number.isNaN(n.data[2])).toBe(true);
    expect([n.data[1], n.data[3]]).toEqual([0, 1]);
    const outlier = normalizeMap(holes, { sign: 'all' });
    expect(outlier.range).toEqual([-4, 4]);
  });

  it('treats ±Infinity like NaN for every sign and mode, on small and large maps', () => {
    // Large maps take the sampled band pass, small ones the full histogram; for sign negative
    // +Infinity is still a missing value, not a magnitude of 0.
    for (const [width, height] of [
      [5, 3],
      [400, 400],
    ] as const) {
      const next = rng(width);
      const data = Float32Array.from({ length: width * height }, () => next() - 0.5);
      data[1] = Number.POSITIVE_INFINITY;
      data[data.length - 2] = Number.NEGATIVE_INFINITY;
      const withNaN = Float32Array.from(data, (v) => (Number.isFinite(v) ? v : Number.NaN));
      for (const sign of attributionSigns) {
        for (const normalize of ['outlier', 'percentile', 'min-max', 'abs-max'] as const) {
          const options = { sign, normalize };
          const got = normalizeMap(createMap2D(data, width, height), options);
          const expected = normalizeMap(createMap2D(withNaN, width, height), options);
          const label = `${width}×${height} ${sign} ${normalize}`;
          expect(got.range, label).toEqual(expected.range);
          expect(got.range.every(Number.isFinite), label).toBe(true);
          // First index where the values differ (NaN equals NaN), -1 for none.
          const differs = got.data.findIndex((v, i) => !Object.is(v, expected.data[i]));
          expect(differs, label).toBe(-1);
        }
      }
    }
  });

  it('maps a constant map to 0 instead of dividing by zero', () => {
    const zeros = createMap2D(new Float32Array(4), 2, 2);
    for (const sign of ['absolute', 'positive', 'negative', 'all'] as const) {
      for (const normalize of ['outlier', 'percentile', 'min-max', 'abs-max'] as const) {
        expect(Array.from(normalizeMap(zeros, { sign, normalize }).data)).toEqual([0, 0, 0, 0]);
      }
    }
    const allNaN = createMap2D([Number.NaN], 1, 1);
    expect(normalizeMap(allNaN).range).toEqual([0, 1]);
  });

  it('does not modify the input map', () => {
    const copy = Float32Array.from(map.data);
    normalizeMap(map, { sign: 'negative', gamma: 2 });
    expect(map.data).toEqual(copy);
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    expectFvError(() => normalizeMap(map, { sign: 'both' as never }), 'INVALID_ARGUMENT');
    expectFvError(() => normalizeMap(map, { gamma: 0 }), 'INVALID_ARGUMENT');
    expectFvError(() => normalizeMap(map, { range: [1, 1] }), 'INVALID_ARGUMENT');
    expectFvError(() => normalizeMap(map, { normalize: 'zscore' as never }), 'INVALID_ARGUMENT');
    expectFvError(
      () => normalizeMap(map, { normalize: { mode: 'outlier', outlierPerc: 100 } }),
      'INVALID_ARGUMENT',
    );
    expectFvError(
      () => normalizeMap(map, { normalize: { mode: 'percentile', percentile: 0 } }),
      'INVALID_ARGUMENT',
    );
    expectFvError(
      () => normalizeMap({ data: new Float32Array(3), width: 2, height: 2 }),
      'SHAPE_MISMATCH',
    );
  });
});

describe('signPart', () => {
  it('splits a signed map exactly: M = M⁺ + M⁻, M⁺ · M⁻ = 0; missing values stay missing', () => {
    const map = createMap2D([-2.5, 0, 1.25, -0, 3e-8, Number.NaN, Number.POSITIVE_INFINITY], 7, 1);
    const absolute = signPart(map, 'absolute').data;
    const positive = signPart(map, 'positive').data;
    const negative = signPart(map, 'negative').data;
    expect(Array.from(absolute.slice(0, 5))).toEqual([2.5, 0, 1.25, 0, Math.fround(3e-8)]);
    for (let i = 0; i < 5; i++) {
      expect(positive[i]! + negative[i]!).toBe(absolute[i]);
      expect(positive[i]! * negative[i]!).toBe(0);
    }
    expect(Array.from(negative.slice(0, 3))).toEqual([2.5, 0, 0]);
    for (const part of [absolute, positive, negative]) {
      expect(Number.isNaN(part[5])).toBe(true);
      expect(Number.isNaN(part[6])).toBe(true);
    }
    expect(Array.from(signPart(map, 'all').data.slice(0, 3))).toEqual([-2.5, 0, 1.25]);
  });
});

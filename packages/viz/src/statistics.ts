import { FvError } from '@fv/core';
import {
  collectKeysKernel,
  filterKeysKernel,
  histogramKernel,
  keyHistogramKernel,
  valueOfKey,
} from './kernels.js';

// Order statistics on Float32Arrays without sorting them: a three-level radix select on a monotone
// 32-bit key made from each value's IEEE-754 bits (12 + 12 + 8 bits). Each level counts (and, for
// the cumulative-mass threshold, sums) the remaining candidates per bucket, keeps the one bucket
// that holds the answer, and the last level pins the exact value. Two passes over the data (one
// when the caller builds the first histogram while it writes the values), small tables that stay
// in cache: a 1024×1024 map takes a few milliseconds where a sort takes tens.

const LEVEL1_SHIFT = 20;
const LEVEL1_SIZE = 4096;
const LOWER_LEVELS: readonly (readonly [shift: number, size: number])[] = [
  [8, 4096],
  [0, 256],
];

/** The float32 bits of `values`, as a view. */
export function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/**
 * First-level histogram of a radix select: count and sum of the values per bucket of the top 12
 * bits of their key. NaN values are not counted.
 */
export interface Histogram {
  readonly counts: Uint32Array;
  readonly sums: Float64Array;
}

export function createHistogram(): Histogram {
  return { counts: new Uint32Array(LEVEL1_SIZE), sums: new Float64Array(LEVEL1_SIZE) };
}

/** First-level bucket of a non-negative float32 with these bits (sign bit clear). */
export function magnitudeBucket(bits: number): number {
  return (bits >>> LEVEL1_SHIFT) | 0x800;
}

/** The first-level histogram of `values` (of |values| with `magnitude`). */
export function histogramOf(values: Float32Array, magnitude: boolean): Histogram {
  const histogram = createHistogram();
  histogramKernel(
    values,
    bitsOf(values),
    magnitude,
    LEVEL1_SHIFT,
    histogram.counts,
    histogram.sums,
  );
  return histogram;
}

/** Where the answer lies among a level's buckets. */
type Locate = (counts: Uint32Array, sums: Float64Array) => number | undefined;

/**
 * Runs the radix select over `values` (over |values| with `magnitude`). `locate` is called once
 * per level with that level's histogram of the candidates; returns the value of the final bucket,
 * or NaN when there are no candidates. `histogram` is the first level's, when the caller has it.
 */
function radixSelect(
  values: Float32Array,
  locate: Locate,
  magnitude: boolean,
  histogram: Histogram = histogramOf(values, magnitude),
): number {
  const bits = bitsOf(values);
  const first = locate(histogram.counts, histogram.sums);
  if (first === undefined) return Number.NaN;
  let prefix = first;
  // Candidates: the keys in the first level's bucket.
  let keys = new Uint32Array(histogram.counts[first]!);
  collectKeysKernel(values, bits, magnitude, LEVEL1_SHIFT, prefix, keys);
  for (let level = 0; level < LOWER_LEVELS.length; level++) {
    const [shift, size] = LOWER_LEVELS[level]!;
    const counts = new Uint32Array(size);
    const sums = new Float64Array(size);
    keyHistogramKernel(keys, shift, size, counts, sums);
    const bucket = locate(counts, sums);
    if (bucket === undefined) throw new FvError('INTERNAL', 'Radix select lost its candidates');
    prefix = prefix * size + bucket;
    if (level < LOWER_LEVELS.length - 1) {
      const next = new Uint32Array(counts[bucket]!);
      filterKeysKernel(keys, shift, size, bucket, next);
      keys = next;
    }
  }
  return valueOfKey(prefix >>> 0);
}

/** Locates the bucket holding the `k`-th smallest candidate (0-based). */
function byRank(k: number): Locate {
  let rest = k;
  return (counts) => {
    let before = 0;
    for (let b = 0; b < counts.length; b++) {
      const c = counts[b]!;
      if (rest < before + c) {
        rest -= before;
        return b;
      }
      before += c;
    }
    return undefined;
  };
}

/**
 * Locates the bucket where the running sum in ascending order first reaches `fraction` of the
 * total (the sum of the first level's sums). When rounding leaves every bucket short, the last
 * non-empty one (the largest values) is taken.
 */
function byMass(fraction: number): Locate {
  let acc = 0;
  let target = Number.NaN;
  return (counts, sums) => {
    if (Number.isNaN(target)) {
      let total = 0;
      for (let b = 0; b < sums.length; b++) total += sums[b]!;
      target = total * fraction;
    }
    let last = -1;
    for (let b = 0; b < counts.length; b++) {
      if (counts[b] === 0) continue;
      if (acc + sums[b]! >= target) return b;
      last = b;
      acc += sums[b]!;
    }
    if (last < 0) return undefined;
    acc -= sums[last]!;
    return last;
  };
}

function countOf(histogram: Histogram): number {
  let n = 0;
  for (let b = 0; b < histogram.counts.length; b++) n += histogram.counts[b]!;
  return n;
}

/**
 * {@link percentile} of `values` (of |values| with `magnitude`) with an optional precomputed
 * first-level histogram; NaN when there are no values.
 */
export function percentileOf(
  values: Float32Array,
  p: number,
  magnitude: boolean,
  histogram: Histogram = histogramOf(values, magnitude),
): number {
  const n = countOf(histogram);
  if (n === 0) return Number.NaN;
  const rank = (p / 100) * (n - 1);
  const k0 = Math.floor(rank);
  const a = radixSelect(values, byRank(k0), magnitude, histogram);
  if (rank === k0 || k0 + 1 >= n) return a;
  const b = radixSelect(values, byRank(k0 + 1), magnitude, histogram);
  return a + (b - a) * (rank - k0);
}

/**
 * {@link cumulativeSumThreshold} of |values| with an optional precomputed first-level histogram
 * (of the magnitudes); NaN when there are no values.
 */
export function cumulativeSumThresholdOf(
  values: Float32Array,
  percentile: number,
  histogram: Histogram = histogramOf(values, true),
): number {
  return radixSelect(values, byMass(0.01 * percentile), true, histogram);
}

/**
 * The `p`-th percentile of `values` with linear interpolation between order statistics, like
 * `numpy.percentile` (and `numpy.nanpercentile`: NaN values are ignored).
 * @throws FvError `INVALID_ARGUMENT` when `p` is outside 0..100 or there are no values.
 * @example
 * percentile(Float32Array.of(1, 2, 3, 4), 50); // 2.5
 */
export function percentile(values: Float32Array, p: number): number {
  if (!(p >= 0 && p <= 100)) {
    throw new FvError('INVALID_ARGUMENT', `Percentile must be in 0..100, got ${p}`);
  }
  const result = percentileOf(values, p, false);
  if (Number.isNaN(result)) {
    throw new FvError('INVALID_ARGUMENT', 'Percentile of an empty (or all-NaN) array');
  }
  return result;
}

/**
 * Captum's `_cumulative_sum_threshold`: sort the (non-negative) values ascending, and return the
 * first one at which the running sum reaches `percentile` % of the total. With `percentile` 98
 * (Captum's `outlier_perc` 2) the largest values that hold the last 2 % of the mass are treated as
 * outliers. NaN values are ignored.
 * @throws FvError `INVALID_ARGUMENT` for a negative value, `percentile` outside 0..100, or no values.
 * @example
 * cumulativeSumThreshold(Float32Array.of(1, 1, 1, 97), 50); // 97
 */
export function cumulativeSumThreshold(values: Float32Array, percentile: number): number {
  if (!(percentile >= 0 && percentile <= 100)) {
    throw new FvError('INVALID_ARGUMENT', `Percentile must be in 0..100, got ${percentile}`);
  }
  for (let i = 0; i < values.length; i++) {
    if (values[i]! < 0) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `cumulativeSumThreshold needs non-negative values (absolute attributions); value ${i} is ${values[i]}`,
      );
    }
  }
  const threshold = cumulativeSumThresholdOf(values, percentile);
  if (Number.isNaN(threshold)) {
    throw new FvError('INVALID_ARGUMENT', 'cumulativeSumThreshold of an empty (or all-NaN) array');
  }
  return threshold;
}

/** Smallest and largest of `values`, NaN ignored; `[Infinity, -Infinity]` when there are none. */
export function extent(values: Float32Array): [number, number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

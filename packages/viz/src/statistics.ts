import { FvError } from '@fv/core';
import {
  bandKernel,
  collectKeysKernel,
  collectMagnitudeKeysKernel,
  filterKeysKernel,
  histogramKernel,
  keyDifferencesKernel,
  keyHistogramKernel,
  magnitudeHistogramKernel,
  magnitudeKeysKernel,
  sampleHistogramKernel,
  valueOfKey,
} from './kernels.js';

// Exact order statistics on Float32Arrays without sorting them (a sort of a 1024×1024 map takes
// tens of milliseconds).
//
// The core is a three-level radix select on a monotone 32-bit key made from each value's IEEE-754
// bits (12 + 12 + 8 bits). Each level counts (and, for the cumulative-mass threshold, sums) the
// remaining candidates per bucket, keeps the one bucket that holds the answer, and the last level
// pins the exact value: two passes over the data with small tables.
//
// Large maps go faster still (see collectBand): a sample locates a band of values around the
// answer, one pass over the values as floats sums them all and, for the few at or above the band,
// sums and counts those and collects the band, and the radix select runs on the band alone. When
// the sample misled (the answer is outside the band) or the map has non-finite values, the full
// radix select runs instead, so the result is exact either way.
//
// Normalization works on magnitudes of a sign-transformed map (|x|, max(x, 0), max(−x, 0)); those
// are read straight from the source's bits through a selector (see kernels.ts), so the transformed
// map never has to be written out.

const LEVEL1_SHIFT = 20;
const LEVEL1_SIZE = 4096;
const LOWER_LEVELS: readonly (readonly [shift: number, size: number])[] = [
  [8, 4096],
  [0, 256],
];

/** Which magnitudes of a source the statistics see (see kernels.ts for the selector). */
export interface MagnitudeView {
  readonly source: Float32Array;
  readonly negMask: number;
  readonly posMask: number;
  /** The magnitude is c·|x| + d·x. */
  readonly c: number;
  readonly d: number;
}

/** The magnitudes |x| of `values`. */
export function absoluteView(values: Float32Array): MagnitudeView {
  return { source: values, negMask: -1, posMask: -1, c: 1, d: 0 };
}

/** First-level histogram: count and sum of the values per bucket; NaN is not counted. */
interface Histogram {
  readonly counts: Uint32Array;
  readonly sums: Float64Array;
}

function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

function signedBitsOf(values: Float32Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length);
}

/**
 * A statistic of a magnitude view and how many finite magnitudes it saw (fewer than the map's
 * size: missing values); `count` is −1 when it was asked for finite maps only and met a
 * non-finite value (then `value` is NaN).
 */
export interface Statistic {
  readonly value: number;
  readonly count: number;
}

/**
 * The first-level histogram of a magnitude view, bucketed by signed key like every level (so
 * buckets 2048.. hold the magnitudes).
 */
function magnitudeHistogram(view: MagnitudeView): Histogram {
  const half = LEVEL1_SIZE / 2;
  const counts0 = new Uint32Array(half);
  const sums0 = new Float64Array(half);
  const counts1 = new Uint32Array(half);
  const sums1 = new Float64Array(half);
  const { source, negMask, posMask, c, d } = view;
  magnitudeHistogramKernel(
    source,
    signedBitsOf(source),
    negMask,
    posMask,
    c,
    d,
    counts0,
    sums0,
    counts1,
    sums1,
  );
  const counts = new Uint32Array(LEVEL1_SIZE);
  const sums = new Float64Array(LEVEL1_SIZE);
  for (let b = 0; b < half; b++) {
    counts[half + b] = counts0[b]! + counts1[b]!;
    sums[half + b] = sums0[b]! + sums1[b]!;
  }
  return { counts, sums };
}

/** Where the answer lies among a level's buckets. */
type Locate = (counts: Uint32Array, sums: Float64Array) => number | undefined;

/**
 * Runs the radix select, over a magnitude view or (without one) over signed values. `locate` is
 * called once per level with that level's histogram of the candidates; returns the value of the
 * final bucket, or NaN when there are no candidates.
 */
function radixSelect(
  values: Float32Array,
  locate: Locate,
  histogram: Histogram,
  view: MagnitudeView | undefined,
): number {
  const first = locate(histogram.counts, histogram.sums);
  if (first === undefined) return Number.NaN;
  let prefix = first;
  // Candidates: the keys in the first level's bucket.
  let keys = new Uint32Array(histogram.counts[first]!);
  if (view) {
    collectMagnitudeKeysKernel(
      signedBitsOf(view.source),
      view.negMask,
      view.posMask,
      LEVEL1_SHIFT,
      first & (LEVEL1_SIZE / 2 - 1),
      keys,
    );
  } else {
    collectKeysKernel(values, bitsOf(values), LEVEL1_SHIFT, prefix, keys);
  }
  // Every candidate the same value (a constant map, a bucket of zeros): that is the answer.
  if (keys.length > 0 && keyDifferencesKernel(keys) === 0) return valueOfKey(keys[0]!);
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
 * total (the sum of the first level's sums), or, with `start`, reaches `start.target` counting
 * `start.acc` already. When rounding leaves every bucket short, the last non-empty one (the
 * largest values) is taken; with `start`, only if the shortfall is rounding-sized at the first
 * level (otherwise the answer is not among these candidates: `undefined`).
 */
function byMass(
  fraction: number,
  start?: { readonly acc: number; readonly target: number },
): Locate {
  let acc = start?.acc ?? 0;
  let target = start?.target ?? Number.NaN;
  let first = true;
  return (counts, sums) => {
    if (Number.isNaN(target)) {
      let total = 0;
      for (let b = 0; b < sums.length; b++) total += sums[b]!;
      target = total * fraction;
    }
    let last = -1;
    for (let b = 0; b < counts.length; b++) {
      if (counts[b] === 0) continue;
      if (acc + sums[b]! >= target) {
        first = false;
        return b;
      }
      last = b;
      acc += sums[b]!;
    }
    if (last < 0) return undefined;
    if (start && first && acc < target - Math.abs(target) * 1e-9) return undefined;
    first = false;
    acc -= sums[last]!;
    return last;
  };
}

function countOf(histogram: Histogram): number {
  let n = 0;
  for (let b = 0; b < histogram.counts.length; b++) n += histogram.counts[b]!;
  return n;
}

function percentileFrom(
  values: Float32Array,
  p: number,
  histogram: Histogram,
  view: MagnitudeView | undefined,
): number {
  const n = countOf(histogram);
  if (n === 0) return Number.NaN;
  const rank = (p / 100) * (n - 1);
  const k0 = Math.floor(rank);
  const a = radixSelect(values, byRank(k0), histogram, view);
  if (rank === k0 || k0 + 1 >= n) return a;
  const b = radixSelect(values, byRank(k0 + 1), histogram, view);
  return a + (b - a) * (rank - k0);
}

// Sampled band selection, for large maps: a histogram of runs of magnitudes estimates where the
// quantile lies; one pass over everything then sums all magnitudes and those at or above the band
// (what lies below is the difference; counts likewise) and collects the band; the answer is
// selected among those. Per element that pass only adds to a register and takes a branch that is
// rarely taken, where a full histogram reads and writes its tables. When the estimate was off
// (the answer is outside the band, or the band overflows) or a magnitude is not finite, the exact
// full histogram runs.

const SAMPLES = 1 << 16;
const MARGIN = 0.01;

// The band goes to a buffer kept between calls (zeroing a fresh one costs more than the pass
// that fills it); results are copied out of it before the next call.
let bandBuffer = new Float32Array(0);

function bandScratch(capacity: number): Float32Array {
  if (bandBuffer.length < capacity) bandBuffer = new Float32Array(capacity);
  return bandBuffer.subarray(0, capacity);
}

/** Selects within a small array of keys, all three levels over the array. */
function selectInKeys(keys: Uint32Array, locate: Locate): number | undefined {
  if (keys.length > 0 && keyDifferencesKernel(keys) === 0) {
    // One value only: it is the answer if the locator accepts its bucket at all.
    const counts = new Uint32Array(LEVEL1_SIZE);
    const sums = new Float64Array(LEVEL1_SIZE);
    const bucket = keys[0]! >>> LEVEL1_SHIFT;
    counts[bucket] = keys.length;
    sums[bucket] = valueOfKey(keys[0]!) * keys.length;
    return locate(counts, sums) === undefined ? undefined : valueOfKey(keys[0]!);
  }
  let current = keys;
  let prefix = 0;
  const levels = [[LEVEL1_SHIFT, LEVEL1_SIZE] as const, ...LOWER_LEVELS];
  for (let level = 0; level < levels.length; level++) {
    const [shift, size] = levels[level]!;
    const counts = new Uint32Array(size);
    const sums = new Float64Array(size);
    keyHistogramKernel(current, shift, size, counts, sums);
    const bucket = locate(counts, sums);
    if (bucket === undefined) return undefined;
    prefix = prefix * size + bucket;
    if (level < levels.length - 1) {
      const next = new Uint32Array(counts[bucket]!);
      filterKeysKernel(current, shift, size, bucket, next);
      current = next;
    }
  }
  return valueOfKey(prefix >>> 0);
}

const INCOMPLETE: Statistic = { value: Number.NaN, count: -1 };

interface Band {
  readonly keys: Uint32Array;
  readonly total: number;
  readonly below: number;
  readonly count: number;
  readonly countBelow: number;
}

/** The highest first-level magnitude bucket of finite values (FLT_MAX is 0x7f7fffff). */
const LAST_FINITE_BUCKET = 0x7f7;

/**
 * Estimates from a sample the magnitude buckets around the point where the cumulative `weight`
 * ('mass' or 'count') reaches `fraction`, then collects that band in one exact pass; `undefined`
 * when the map is too small to sample or the band overflows, `'non-finite'` when a magnitude is
 * not finite.
 */
function collectBand(
  view: MagnitudeView,
  weight: 'mass' | 'count',
  fraction: number,
): Band | 'non-finite' | undefined {
  const { source, negMask, posMask, c, d } = view;
  // Runs of 16 values, SAMPLES values in all.
  const step = Math.floor((source.length / SAMPLES) * 16);
  if (step < 32) return undefined;
  const stride = step / 16;
  const half = LEVEL1_SIZE / 2;
  const counts = new Uint32Array(half);
  const sums = new Float64Array(half);
  sampleHistogramKernel(source, signedBitsOf(source), negMask, posMask, c, d, step, counts, sums);
  const w = weight === 'mass' ? sums : counts;
  let sampled = 0;
  for (let b = 0; b < half; b++) sampled += w[b]!;
  if (!(sampled > 0)) return undefined;
  const lowTarget = (fraction - MARGIN) * sampled;
  const highTarget = (fraction + MARGIN) * sampled;
  let low = -1;
  let high = half - 1;
  let acc = 0;
  for (let b = 0; b < half; b++) {
    acc += w[b]!;
    if (low < 0 && acc >= lowTarget) low = b;
    if (acc >= highTarget) {
      high = b;
      break;
    }
  }
  low = Math.max(0, low - 1);
  high = Math.min(LAST_FINITE_BUCKET, high + 1);
  let expected = 0;
  for (let b = low; b <= high; b++) expected += counts[b]!;
  const band = bandScratch(expected * stride * 2 + 4096);
  // The band's ends as values: magnitudes compare as floats exactly as their bits do.
  const lowValue = valueOfKey((0x80000000 | (low << 20)) >>> 0);
  const highValue = valueOfKey((0x80000000 | (((high + 1) << 20) - 1)) >>> 0);
  const sumsOut = new Float64Array(3);
  const m = bandKernel(source, c, d, lowValue, highValue, band, sumsOut);
  const [total = 0, above = 0, countAbove = 0] = sumsOut;
  if (!(total < Number.POSITIVE_INFINITY)) return 'non-finite';
  if (m > band.length) return undefined;
  const keys = new Uint32Array(band.buffer, band.byteOffset, m);
  magnitudeKeysKernel(keys);
  const n = source.length;
  return { keys, total, below: total - above, count: n, countBelow: n - countAbove };
}

/**
 * {@link cumulativeSumThreshold} of a magnitude view (value NaN when empty). With `finiteOnly`, a
 * map with a non-finite value may stop early with count −1 (for callers that redo the statistics
 * on a cleaned copy then).
 */
export function magnitudeCumulativeSumThreshold(
  view: MagnitudeView,
  percentile: number,
  finiteOnly = false,
): Statistic {
  const fraction = 0.01 * percentile;
  const band = collectBand(view, 'mass', fraction);
  if (finiteOnly && band === 'non-finite') return INCOMPLETE;
  if (band && band !== 'non-finite') {
    const target = band.total * fraction;
    // The answer is in the band when what lies below does not reach the target already.
    if (band.below < target) {
      const found = selectInKeys(band.keys, byMass(fraction, { acc: band.below, target }));
      if (found !== undefined) return { value: found, count: band.count };
    }
  }
  const histogram = magnitudeHistogram(view);
  const value = radixSelect(view.source, byMass(fraction), histogram, view);
  return { value, count: countOf(histogram) };
}

/** {@link percentile} of a magnitude view (value NaN when empty); `finiteOnly` as above. */
export function magnitudePercentile(view: MagnitudeView, p: number, finiteOnly = false): Statistic {
  const band = collectBand(view, 'count', p / 100);
  if (finiteOnly && band === 'non-finite') return INCOMPLETE;
  if (band && band !== 'non-finite' && band.count > 0) {
    const rank = (p / 100) * (band.count - 1);
    const k0 = Math.floor(rank);
    const k1 = Math.min(k0 + 1, band.count - 1);
    const m = band.keys.length;
    if (k0 >= band.countBelow && k1 < band.countBelow + m) {
      const a = selectInKeys(band.keys, byRank(k0 - band.countBelow));
      const b = selectInKeys(band.keys, byRank(k1 - band.countBelow));
      if (a !== undefined && b !== undefined) {
        return { value: rank === k0 ? a : a + (b - a) * (rank - k0), count: band.count };
      }
    }
  }
  const histogram = magnitudeHistogram(view);
  return { value: percentileFrom(view.source, p, histogram, view), count: countOf(histogram) };
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
  const histogram = { counts: new Uint32Array(LEVEL1_SIZE), sums: new Float64Array(LEVEL1_SIZE) };
  histogramKernel(values, bitsOf(values), LEVEL1_SHIFT, histogram.counts, histogram.sums);
  const result = percentileFrom(values, p, histogram, undefined);
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
  const view = absoluteView(values);
  const threshold = magnitudeCumulativeSumThreshold(view, percentile).value;
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

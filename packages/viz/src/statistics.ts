import { FvError } from '@fv/core';

// Order statistics on Float32Arrays without sorting them: values are bucketed by the top 16 bits
// of a monotone key made from their IEEE-754 bits, and only the one bucket that holds the
// answer is sorted. Linear time for the maps fv draws (a 1024×1024 map in a few milliseconds,
// where a full sort takes tens).

const BUCKETS = 65536;

/** Bucket of a float32 given its bits: monotone in the float's value (negatives first). */
function bucketOf(bits: number): number {
  const top = bits >>> 16;
  return top & 0x8000 ? 0x7fff - (top & 0x7fff) : top | 0x8000;
}

function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** Values of `values` (NaN excluded) that fall in `bucket`, sorted ascending. */
function sortedBucket(values: Float32Array, bits: Uint32Array, bucket: number, count: number) {
  const members = new Float32Array(count);
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v) && bucketOf(bits[i]!) === bucket) members[m++] = v;
  }
  return members.sort();
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
  const bits = bitsOf(values);
  const counts = new Uint32Array(BUCKETS);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    counts[bucketOf(bits[i]!)]!++;
    n++;
  }
  if (n === 0) throw new FvError('INVALID_ARGUMENT', 'Percentile of an empty (or all-NaN) array');
  const rank = (p / 100) * (n - 1);
  const k0 = Math.floor(rank);
  const k1 = Math.min(k0 + 1, n - 1);
  const kth = (k: number): number => {
    let before = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = counts[b]!;
      if (k < before + c) return sortedBucket(values, bits, b, c)[k - before]!;
      before += c;
    }
    throw new FvError('INTERNAL', `Order statistic ${k} not found among ${n} values`);
  };
  const a = kth(k0);
  if (k1 === k0 || rank === k0) return a;
  const b = kth(k1);
  return a + (b - a) * (rank - k0);
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
  const bits = bitsOf(values);
  const counts = new Uint32Array(BUCKETS);
  const sums = new Float64Array(BUCKETS);
  let total = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    if (v < 0) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `cumulativeSumThreshold needs non-negative values (absolute attributions); value ${i} is ${v}`,
      );
    }
    const b = bucketOf(bits[i]!);
    counts[b]!++;
    sums[b]! += v;
    total += v;
    n++;
  }
  if (n === 0) {
    throw new FvError('INVALID_ARGUMENT', 'cumulativeSumThreshold of an empty (or all-NaN) array');
  }
  const target = total * 0.01 * percentile;
  let acc = 0;
  let last = -1;
  for (let b = 0; b < BUCKETS; b++) {
    const c = counts[b]!;
    if (c === 0) continue;
    last = b;
    if (acc + sums[b]! >= target) {
      const members = sortedBucket(values, bits, b, c);
      for (const v of members) {
        acc += v;
        if (acc >= target) return v;
      }
      // Rounding: the bucket's sum said the target is reached here; its largest value is the answer.
      return members[members.length - 1]!;
    }
    acc += sums[b]!;
  }
  // Rounding can leave the running total a hair below the target: the largest value is the answer.
  const members = sortedBucket(values, bits, last, counts[last]!);
  return members[members.length - 1]!;
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

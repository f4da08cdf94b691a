// A streaming histogram that merges exactly: bins are anchored at 0 and their width is a power of
// two, chosen as the finest that covers [min, max] in at most `maxBins` bins. Coarser widths nest
// the finer ones, so adding values in any order, in one run or in shards merged later, gives the
// same bins and counts.
import { FvError } from '../errors.js';

/** A histogram of values: bin `i` counts the values `v` with `⌊v / binWidth⌋ = first + i`. */
export interface Histogram {
  /** A power of two. */
  readonly binWidth: number;
  readonly first: number;
  readonly counts: readonly number[];
}

/** Finest power-of-two width: values closer than this to each other share a bin. */
const MIN_EXPONENT = -40;

const binsNeeded = (lo: number, hi: number, exponent: number) =>
  Math.floor(hi / 2 ** exponent) - Math.floor(lo / 2 ** exponent) + 1;

/** The finest exponent whose bins cover [lo, hi] in at most `maxBins` bins. */
function exponentFor(lo: number, hi: number, maxBins: number): number {
  let e = Math.max(
    MIN_EXPONENT,
    Math.floor(Math.log2(Math.max(hi - lo, 2 ** MIN_EXPONENT) / maxBins)) - 1,
  );
  while (binsNeeded(lo, hi, e) > maxBins) e++;
  return e;
}

/** A histogram under construction. */
export interface HistogramBuilder {
  /** Makes room for values in [lo, hi] (call before {@link HistogramBuilder.add}). */
  extend(lo: number, hi: number): void;
  /** Counts `data[start]`, `data[start + stride]`, … below `end`; non-finite values are skipped. */
  add(data: ArrayLike<number>, start: number, end: number, stride?: number): void;
  /** Adds a finished histogram of values in [min, max] (its exact extremes, not its bin edges). */
  addHistogram(other: Histogram, min: number, max: number): void;
  finish(): Histogram;
}

export function createHistogram(maxBins: number): HistogramBuilder {
  if (!(Number.isInteger(maxBins) && maxBins >= 2)) {
    throw new FvError('INVALID_ARGUMENT', `histogramBins must be an integer ≥ 2, got ${maxBins}`);
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let exponent = MIN_EXPONENT;
  let first = 0;
  let counts = new Float64Array(0);

  const rebin = (nextExponent: number, nextFirst: number, length: number) => {
    const next = new Float64Array(length);
    const shift = 2 ** (nextExponent - exponent);
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i]!;
      if (c === 0) continue;
      const j = Math.floor((first + i) / shift) - nextFirst;
      next[j] = next[j]! + c;
    }
    exponent = nextExponent;
    first = nextFirst;
    counts = next;
  };

  const builder: HistogramBuilder = {
    extend(a, b) {
      if (!(Number.isFinite(a) && Number.isFinite(b))) return;
      const nextLo = Math.min(lo, a);
      const nextHi = Math.max(hi, b);
      if (nextLo === lo && nextHi === hi) return;
      lo = nextLo;
      hi = nextHi;
      const e = Math.max(exponent, exponentFor(lo, hi, maxBins));
      const w = 2 ** e;
      const nextFirst = Math.floor(lo / w);
      rebin(e, nextFirst, Math.floor(hi / w) - nextFirst + 1);
    },
    add(data, start, end, stride = 1) {
      const scale = 2 ** -exponent;
      for (let i = start; i < end; i += stride) {
        const v = data[i]!;
        if (!Number.isFinite(v)) continue;
        const j = Math.floor(v * scale) - first;
        counts[j] = counts[j]! + 1;
      }
    },
    addHistogram(other, min, max) {
      if (other.counts.length === 0) return;
      builder.extend(min, max);
      const shift = 2 ** exponent / other.binWidth;
      other.counts.forEach((c, i) => {
        if (c === 0) return;
        const j = Math.floor((other.first + i) / shift) - first;
        counts[j] = counts[j]! + c;
      });
    },
    finish() {
      return { binWidth: 2 ** exponent, first, counts: Array.from(counts) };
    },
  };
  return builder;
}

import { FvError } from '@fv/core';
import { assertMap, type Map2D } from './image.js';
import {
  absoluteKernel,
  gammaKernel,
  kernelMax,
  kernelMin,
  NO_VALUE,
  negativeKernel,
  positiveKernel,
  scaleKernel,
  signedKernel,
} from './kernels.js';
import {
  cumulativeSumThresholdOf,
  type Histogram,
  histogramOf,
  percentileOf,
} from './statistics.js';

/**
 * Which part of a signed attribution is drawn, as in Captum's `visualize_image_attr`:
 * - `absolute`: |x| (Captum's `absolute_value`);
 * - `positive`: x where x > 0, else 0;
 * - `negative`: −x where x < 0, else 0 (magnitudes of the negative part, so 0..1 after
 *   normalization, drawn with a sequential colormap such as `Reds`);
 * - `all`: x itself, normalized to −1..1 and drawn with a diverging colormap.
 */
export type AttributionSign = 'absolute' | 'positive' | 'negative' | 'all';

/** Every {@link AttributionSign}. */
export const attributionSigns: readonly AttributionSign[] = [
  'absolute',
  'positive',
  'negative',
  'all',
];

/** Short names of the normalization modes; see {@link Normalization}. */
export type NormalizeMode = Normalization['mode'];

/**
 * How values (after the sign transform) are scaled to 0..1, or −1..1 for sign `all`. Values
 * beyond the scale are clipped.
 *
 * - `outlier` (default, Captum): scale by the value where the sorted magnitudes reach
 *   `100 − outlierPerc` % of their total (Captum's `_cumulative_sum_threshold`); 0 stays 0.
 * - `percentile` (PAIR saliency): unsigned maps go from their minimum to the `percentile`-th
 *   percentile (`VisualizeImageGrayscale`); signed maps are scaled by the `percentile`-th
 *   percentile of |x|, so 0 stays in the middle (PAIR's `VisualizeImageDiverging` takes the
 *   percentile of the signed values instead).
 * - `min-max`: from the minimum to the maximum. For sign `all` this does not keep 0 in the middle
 *   of a diverging colormap; use `abs-max` for that.
 * - `abs-max`: scale by the largest magnitude; 0 stays 0 (in the middle for sign `all`).
 */
export type Normalization =
  | {
      readonly mode: 'outlier';
      /** Percentage of the total mass treated as outliers. @defaultValue `2` */
      readonly outlierPerc?: number;
    }
  | {
      readonly mode: 'percentile';
      /** Percentile (0..100] mapped to the top of the colormap. @defaultValue `99` */
      readonly percentile?: number;
    }
  | { readonly mode: 'min-max' }
  | { readonly mode: 'abs-max' };

/** Options shared by everything that normalizes a map before drawing it. */
export interface NormalizeOptions {
  /** Which part of the attribution to draw. @defaultValue `'absolute'` (Captum's default) */
  readonly sign?: AttributionSign;
  /**
   * Normalization mode, by name (with its default parameter) or as an object.
   * @defaultValue `{ mode: 'outlier', outlierPerc: 2 }` (Captum's `visualize_image_attr`)
   */
  readonly normalize?: NormalizeMode | Normalization;
  /**
   * Explicit value range `[low, high]` (in units after the sign transform), like matplotlib's
   * `vmin`/`vmax`: `low` maps to the bottom of the colormap and `high` to the top. Overrides
   * `normalize`. Use it to draw several maps on one scale.
   * @defaultValue computed by `normalize`
   */
  readonly range?: readonly [low: number, high: number];
  /**
   * Gamma applied after normalization: v ↦ sign(v)·|v|^gamma. Below 1 brightens faint
   * attributions, above 1 suppresses them.
   * @defaultValue `1`
   */
  readonly gamma?: number;
}

/** A map normalized for drawing. */
export interface NormalizedMap extends Map2D {
  /** True for sign `all`: values are in −1..1 (0 in the middle); otherwise in 0..1. */
  readonly signed: boolean;
  /**
   * The value range (after the sign transform) that was mapped onto the colormap: `range[0]` to
   * its bottom, `range[1]` to its top. Label a colorbar with it.
   */
  readonly range: readonly [number, number];
}

const DEFAULT_NORMALIZATION: Normalization = { mode: 'outlier', outlierPerc: 2 };

/** Resolves a mode name or object to a full {@link Normalization}, checking its parameter. */
export function resolveNormalization(
  normalize: NormalizeMode | Normalization = DEFAULT_NORMALIZATION,
): Required<Normalization> {
  const spec: Normalization = typeof normalize === 'string' ? { mode: normalize } : normalize;
  switch (spec.mode) {
    case 'outlier': {
      const outlierPerc = spec.outlierPerc ?? 2;
      if (!(outlierPerc >= 0 && outlierPerc < 100)) {
        throw new FvError(
          'INVALID_ARGUMENT',
          `outlierPerc must be in [0, 100), got ${outlierPerc}`,
        );
      }
      return { mode: 'outlier', outlierPerc };
    }
    case 'percentile': {
      const p = spec.percentile ?? 99;
      if (!(p > 0 && p <= 100)) {
        throw new FvError('INVALID_ARGUMENT', `percentile must be in (0, 100], got ${p}`);
      }
      return { mode: 'percentile', percentile: p };
    }
    case 'min-max':
    case 'abs-max':
      return spec;
    default:
      throw new FvError(
        'INVALID_ARGUMENT',
        `Unknown normalization mode '${(spec as { mode: unknown }).mode}'; use outlier, percentile, min-max or abs-max`,
      );
  }
}

function checkSign(sign: unknown): asserts sign is AttributionSign {
  if (!attributionSigns.includes(sign as AttributionSign)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Unknown sign '${String(sign)}'; use ${attributionSigns.join(', ')}`,
    );
  }
}

interface Transformed {
  readonly finite: number;
  readonly min: number;
  readonly max: number;
  /** First-level radix histogram of the magnitudes, when asked for. */
  readonly histogram: Histogram | undefined;
}

/**
 * Applies the sign transform into `out`; non-finite values become NaN. Returns how many values are
 * finite, their extent after the transform and, with `withHistogram`, the first-level radix
 * histogram of their magnitudes for the statistics.
 */
function signTransform(
  src: Float32Array,
  sign: AttributionSign,
  out: Float32Array,
  withHistogram: boolean,
): Transformed {
  const kernel =
    sign === 'absolute'
      ? absoluteKernel
      : sign === 'positive'
        ? positiveKernel
        : sign === 'negative'
          ? negativeKernel
          : signedKernel;
  const finite = kernel(src, out);
  const min = kernelMin;
  const max = kernelMax;
  const histogram = withHistogram ? histogramOf(out, true) : undefined;
  return { finite, min, max, histogram };
}

// A scratch buffer for values that never leave a call (colorize, overlay): a fresh multi-megabyte
// typed array costs more (page faults, zeroing, GC) than the arithmetic done on it.
let scratchBuffer: Float32Array | undefined;

/** The scratch buffer with room for `n` values; valid until the next transient call. */
function scratch(n: number): Float32Array {
  if (!scratchBuffer || scratchBuffer.length < n) scratchBuffer = new Float32Array(n);
  return scratchBuffer.length === n ? scratchBuffer : scratchBuffer.subarray(0, n);
}

function rangeOf(
  values: Float32Array,
  { min, max, histogram }: Transformed,
  signed: boolean,
  normalization: Required<Normalization>,
): [number, number] {
  switch (normalization.mode) {
    case 'outlier': {
      const t = cumulativeSumThresholdOf(values, 100 - normalization.outlierPerc, histogram);
      return signed ? [-t, t] : [0, t];
    }
    case 'percentile': {
      // Unsigned values are their own magnitudes.
      const t = percentileOf(values, normalization.percentile, true, histogram);
      return signed ? [-t, t] : [min, t];
    }
    case 'min-max':
      return [min, max];
    case 'abs-max': {
      const t = Math.max(Math.abs(min), Math.abs(max));
      return signed ? [-t, t] : [0, t];
    }
  }
}

/**
 * Normalizes a map for drawing: sign transform, then scaling by `range` or `normalize`, clipping,
 * and gamma. NaN and ±Infinity stay NaN (drawn transparent). A constant map (zero scale)
 * normalizes to 0 everywhere instead of failing as Captum does.
 * @example
 * // Captum's defaults: absolute values, 2 % cumulative-mass outliers clipped.
 * const normalized = normalizeMap(map);
 * // PAIR saliency's grayscale visualization.
 * const pair = normalizeMap(map, { normalize: 'percentile' });
 */
export function normalizeMap(map: Map2D, options: NormalizeOptions = {}): NormalizedMap {
  const prepared = prepareMap(map, options);
  const { values, signed, range, gamma } = prepared;
  const [low, high] = range;
  const span = high - low;
  // Degenerate scale (constant map, or all-zero part): everything maps to 0.
  const scale = span > 0 && Number.isFinite(span) ? (signed ? 2 : 1) / span : 0;
  scaleKernel(values, low, scale, signed ? -1 : 0, signed ? -1 : 0);
  if (gamma !== 1) gammaKernel(values, gamma);
  return { data: values, width: map.width, height: map.height, signed, range };
}

/** A map after the sign transform, with its range found but not yet applied. */
export interface PreparedMap {
  /** Values after the sign transform (fresh, or a scratch buffer when transient); NaN = no value. */
  readonly values: Float32Array;
  readonly width: number;
  readonly height: number;
  readonly signed: boolean;
  readonly range: readonly [number, number];
  readonly gamma: number;
}

/**
 * Validates options, applies the sign transform and computes the range: normalization's first
 * half. With `transient`, `values` is a shared scratch buffer, valid until the next transient call.
 */
export function prepareMap(
  map: Map2D,
  options: NormalizeOptions = {},
  transient = false,
): PreparedMap {
  assertMap(map);
  const sign = options.sign ?? 'absolute';
  checkSign(sign);
  const gamma = options.gamma ?? 1;
  if (!(gamma > 0 && Number.isFinite(gamma))) {
    throw new FvError('INVALID_ARGUMENT', `gamma must be a positive number, got ${gamma}`);
  }
  const normalization = resolveNormalization(options.normalize);
  const signed = sign === 'all';
  const n = map.data.length;
  const values = transient ? scratch(n) : new Float32Array(n);
  const needsStatistics =
    !options.range && (normalization.mode === 'outlier' || normalization.mode === 'percentile');
  const transformed = signTransform(map.data, sign, values, needsStatistics);
  let range: [number, number];
  if (options.range) {
    const [low, high] = options.range;
    if (!Number.isFinite(low) || !Number.isFinite(high) || !(high > low)) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `range must be two finite numbers [low, high] with low < high, got [${low}, ${high}]`,
      );
    }
    range = [low, high];
  } else if (transformed.finite === 0) {
    range = signed ? [-1, 1] : [0, 1];
  } else {
    range = rangeOf(values, transformed, signed, normalization);
  }
  return { values, width: map.width, height: map.height, signed, range, gamma };
}

/**
 * A function from a prepared map's value to its colormap entry, as matplotlib picks it from the
 * normalized value t: `floor(t · 256)` (unsigned) or `floor((t + 1) · 128)` (signed), clamped to
 * 0..255; {@link NO_VALUE} for NaN. Without gamma this is `floor((v − low) · 256 / span)`.
 */
/**
 * For the common case (gamma 1, a real range): `index = clamp(floor((v − low) · gain))`, the
 * numbers hot loops inline; `undefined` otherwise (use {@link colormapIndexer}).
 */
export function linearIndex(prepared: PreparedMap): { low: number; gain: number } | undefined {
  const [low, high] = prepared.range;
  const span = high - low;
  if (prepared.gamma !== 1 || !(span > 0 && Number.isFinite(span))) return undefined;
  return { low, gain: 256 / span };
}

/** Entry per value for the general case (gamma, degenerate range): a closure kernels call. */
export function colormapIndexer(prepared: PreparedMap): (value: number) => number {
  const { signed, range, gamma } = prepared;
  const [low, high] = range;
  const span = high - low;
  const degenerate = !(span > 0 && Number.isFinite(span));
  if (degenerate) {
    const flat = signed ? 128 : 0;
    return (v) => (Number.isNaN(v) ? NO_VALUE : flat);
  }
  if (gamma === 1) {
    const gain = 256 / span;
    return (v) => {
      const x = (v - low) * gain;
      // NaN fails both comparisons and `NaN | 0` is 0, so test it first.
      if (Number.isNaN(x)) return NO_VALUE;
      return x >= 255 ? 255 : x <= 0 ? 0 : x | 0;
    };
  }
  const scale = (signed ? 2 : 1) / span;
  const shift = signed ? 1 : 0;
  return (v) => {
    if (Number.isNaN(v)) return NO_VALUE;
    let t = (v - low) * scale - shift;
    t = t < -1 ? -1 : Math.min(t, 1);
    t = t < 0 ? -((-t) ** gamma) : t ** gamma;
    const k = Math.floor(signed ? t * 128 + 128 : t * 256);
    return k < 0 ? 0 : Math.min(k, 255);
  };
}

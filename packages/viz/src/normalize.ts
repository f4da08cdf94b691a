import { FvError } from '@fv/core';
import { assertMap, type Map2D } from './image.js';
import {
  extentKernel,
  gammaKernel,
  materializeKernel,
  minAbsKernel,
  minValueKernel,
  NO_VALUE,
  scaleKernel,
} from './kernels.js';
import {
  absoluteView,
  extent as finiteExtent,
  type MagnitudeView,
  magnitudeCumulativeSumThreshold,
  magnitudePercentile,
  type Statistic,
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

/** Coefficients of the branch-free sign transform (see kernels.ts). */
interface SignCoefficients {
  /** The value drawn is a·|x| + b·x. */
  readonly a: number;
  readonly b: number;
  /** Its magnitude is c·|x| + d·x; its float bits are x's bits & 0x7fffffff & the selector. */
  readonly c: number;
  readonly d: number;
  readonly negMask: number;
  readonly posMask: number;
}

const SIGN_COEFFICIENTS: Readonly<Record<AttributionSign, SignCoefficients>> = {
  absolute: { a: 1, b: 0, c: 1, d: 0, negMask: -1, posMask: -1 },
  positive: { a: 0.5, b: 0.5, c: 0.5, d: 0.5, negMask: 0, posMask: -1 },
  negative: { a: 0.5, b: -0.5, c: 0.5, d: -0.5, negMask: -1, posMask: 0 },
  all: { a: 0, b: 1, c: 1, d: 0, negMask: -1, posMask: -1 },
};

/**
 * The part of a signed map that `sign` draws, before normalization: |x|, max(x, 0), −min(x, 0) or
 * x itself; non-finite values become NaN. For a saliency map S from `@fv/core` these are
 * M, M⁺ and M⁻, with M = M⁺ + M⁻ exactly.
 * @example
 * const negative = signPart(result.map, 'negative');
 */
export function signPart(map: Map2D, sign: AttributionSign): Map2D {
  assertMap(map);
  checkSign(sign);
  const { a, b } = SIGN_COEFFICIENTS[sign];
  const data = new Float32Array(map.data.length);
  materializeKernel(map.data, data, a, b);
  return { data, width: map.width, height: map.height };
}

/**
 * Extent of the drawn values v = a·|x| + b·x, from the source's extent (and, for `absolute`
 * across zero, a pass for the smallest |x| when `needsMin`; 0 stands in for it otherwise).
 */
function transformedExtent(
  source: Float32Array,
  sign: AttributionSign,
  min: number,
  max: number,
  needsMin: boolean,
): [number, number] {
  switch (sign) {
    case 'absolute':
      return min >= 0
        ? [min, max]
        : max <= 0
          ? [-max, -min]
          : [needsMin ? minAbsKernel(source) : 0, Math.max(-min, max)];
    case 'positive':
      return [Math.max(min, 0), Math.max(max, 0)];
    case 'negative':
      return [Math.max(-max, 0), Math.max(-min, 0)];
    default:
      return [min, max];
  }
}

// A scratch buffer for maps with missing values, whose transformed values are written out when
// they never leave the call (colorize, overlay): a fresh multi-megabyte typed array costs more
// (page faults, zeroing, GC) than the arithmetic done on it.
let scratchBuffer: Float32Array | undefined;

/** The scratch buffer with room for `n` values; valid until the next transient call. */
function scratch(n: number): Float32Array {
  if (!scratchBuffer || scratchBuffer.length < n) scratchBuffer = new Float32Array(n);
  return scratchBuffer.length === n ? scratchBuffer : scratchBuffer.subarray(0, n);
}

/**
 * The threshold of a statistics mode (outlier or percentile), with the count of finite values it
 * saw (−1 when `finiteOnly` and the map has a non-finite value).
 */
function statisticsRange(
  view: MagnitudeView,
  normalization: Required<Normalization>,
  finiteOnly = false,
): Statistic {
  return normalization.mode === 'outlier'
    ? magnitudeCumulativeSumThreshold(view, 100 - normalization.outlierPerc, finiteOnly)
    : magnitudePercentile(
        view,
        normalization.mode === 'percentile' ? normalization.percentile : 100,
        finiteOnly,
      );
}

/** The range for `normalization`, from the statistics threshold and the drawn values' extent. */
function rangeOf(
  threshold: number,
  [min, max]: readonly [number, number],
  signed: boolean,
  normalization: Required<Normalization>,
): [number, number] {
  switch (normalization.mode) {
    case 'outlier':
      return signed ? [-threshold, threshold] : [0, threshold];
    case 'percentile':
      // Unsigned values are their own magnitudes.
      return signed ? [-threshold, threshold] : [min, threshold];
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
  const { signed, range, gamma } = prepared;
  const values = prepared.source === map.data ? new Float32Array(map.data.length) : prepared.source;
  if (values !== prepared.source) materializeKernel(map.data, values, prepared.a, prepared.b);
  const [low, high] = range;
  const span = high - low;
  // Degenerate scale (constant map, or all-zero part): everything maps to 0.
  const scale = span > 0 && Number.isFinite(span) ? (signed ? 2 : 1) / span : 0;
  scaleKernel(values, low, scale, signed ? -1 : 0, signed ? -1 : 0);
  if (gamma !== 1) gammaKernel(values, gamma);
  return { data: values, width: map.width, height: map.height, signed, range };
}

/**
 * A map ready to draw: the values drawn are a·|x| + b·x over `source` (NaN = no value), and
 * `range` holds the ones that map to the ends of the colormap.
 */
export interface PreparedMap {
  /** The map itself, or its sign-transformed copy when it has missing values (then a = 0, b = 1). */
  readonly source: Float32Array;
  readonly a: number;
  readonly b: number;
  readonly width: number;
  readonly height: number;
  readonly signed: boolean;
  readonly range: readonly [number, number];
  readonly gamma: number;
}

/**
 * Validates options and computes the range: normalization without writing the normalized values.
 * A map without missing values is read in place; one with NaN or ±Infinity is copied, with the
 * sign transform applied, into a fresh array, or with `transient` into a shared scratch buffer
 * valid until the next transient call.
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
  const coefficients = SIGN_COEFFICIENTS[sign];
  const { width, height } = map;
  let range: [number, number] | undefined;
  if (options.range) {
    const [low, high] = options.range;
    if (!Number.isFinite(low) || !Number.isFinite(high) || !(high > low)) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `range must be two finite numbers [low, high] with low < high, got [${low}, ${high}]`,
      );
    }
    range = [low, high];
  }
  const needsStatistics =
    !range && (normalization.mode === 'outlier' || normalization.mode === 'percentile');
  // One pass for the statistics (which count the finite values on the way), or for the extent.
  const n = map.data.length;
  let view: MagnitudeView = { source: map.data, ...coefficients };
  let threshold = Number.NaN;
  let complete: boolean;
  let extent: [number, number] = [0, 0];
  if (needsStatistics) {
    // A map with missing values is cleaned and its statistics taken again below.
    const statistic = statisticsRange(view, normalization, true);
    threshold = statistic.value;
    complete = statistic.count === n;
  } else {
    const minMax = new Float64Array(2);
    extentKernel(map.data, minMax);
    const [min = 0, max = 0] = minMax;
    complete = Number.isFinite(min) && Number.isFinite(max);
    if (complete) {
      const needsMin = !range && normalization.mode === 'min-max';
      extent = transformedExtent(map.data, sign, min, max, needsMin);
    }
  }
  let source = map.data;
  let { a, b } = coefficients;
  if (!complete) {
    // Missing values: write the transformed map out with NaN holes and work on that.
    source = transient ? scratch(n) : new Float32Array(n);
    const finite = materializeKernel(map.data, source, a, b);
    a = 0;
    b = 1;
    view = absoluteView(source);
    if (finite === 0) {
      range ??= signed ? [-1, 1] : [0, 1];
    } else {
      extent = finiteExtent(source);
      if (needsStatistics) threshold = statisticsRange(view, normalization).value;
    }
  } else if (needsStatistics && normalization.mode === 'percentile' && !signed) {
    // PAIR's percentile mode starts at the smallest drawn value.
    extent = [minValueKernel(source, a, b), Number.NaN];
  }
  range ??= rangeOf(threshold, extent, signed, normalization);
  return { source, a, b, width, height, signed, range, gamma };
}

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

import { FvError } from '@fv/core';
import { assertMap, type Map2D } from './image.js';
import { cumulativeSumThreshold, percentile } from './statistics.js';

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

/** Applies the sign transform; non-finite values become NaN. Returns how many are finite. */
function signTransform(src: Float32Array, sign: AttributionSign, out: Float32Array): number {
  let finite = 0;
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const v = src[i]!;
    if (!Number.isFinite(v)) {
      out[i] = Number.NaN;
      continue;
    }
    finite++;
    if (sign === 'absolute') out[i] = v < 0 ? -v : v;
    else if (sign === 'positive') out[i] = Math.max(v, 0);
    else if (sign === 'negative') out[i] = v < 0 ? -v : 0;
    else out[i] = v;
  }
  return finite;
}

/** |values| without NaN; `values` itself when it is already that. */
function magnitudes(values: Float32Array, signed: boolean, finite: number): Float32Array {
  if (!signed && finite === values.length) return values;
  const out = new Float32Array(finite);
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) out[m++] = v < 0 ? -v : v;
  }
  return out;
}

function rangeOf(
  values: Float32Array,
  finite: number,
  signed: boolean,
  normalization: Required<Normalization>,
): [number, number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  if (normalization.mode === 'min-max' || normalization.mode === 'abs-max' || !signed) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  switch (normalization.mode) {
    case 'outlier': {
      const t = cumulativeSumThreshold(
        magnitudes(values, signed, finite),
        100 - normalization.outlierPerc,
      );
      return signed ? [-t, t] : [0, t];
    }
    case 'percentile': {
      if (signed) {
        const t = percentile(magnitudes(values, true, finite), normalization.percentile);
        return [-t, t];
      }
      return [min, percentile(values, normalization.percentile)];
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
  const values = new Float32Array(n);
  const finite = signTransform(map.data, sign, values);

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
  } else if (finite === 0) {
    range = signed ? [-1, 1] : [0, 1];
  } else {
    range = rangeOf(values, finite, signed, normalization);
  }

  const [low, high] = range;
  const span = high - low;
  // Degenerate scale (constant map, or all-zero part): everything maps to 0.
  const scale = span > 0 && Number.isFinite(span) ? (signed ? 2 : 1) / span : 0;
  const offset = signed ? -1 : 0;
  const bottom = signed ? -1 : 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    let t = scale === 0 ? 0 : (v - low) * scale + offset;
    if (t < bottom) t = bottom;
    else if (t > 1) t = 1;
    values[i] = t;
  }
  if (gamma !== 1) {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (v > 0) values[i] = v ** gamma;
      else if (v < 0) values[i] = -((-v) ** gamma);
    }
  }
  return { data: values, width: map.width, height: map.height, signed, range };
}

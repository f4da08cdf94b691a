import { oneOf, positiveInteger, positiveNumber } from '../checks.js';
import { FvError } from '../errors.js';
import type { Map2D } from '../image/map.js';
import { elementOffset } from '../image/shape.js';
import { forwardScores, type SaliencyContext } from '../saliency/context.js';
import { baselineData } from '../saliency/gradients.js';
import type { CurveResult, DeletionOptions, PixelOrder } from './types.js';

/**
 * Pixel indices from the most to the least salient by `order` (|value|, max(value, 0) or the
 * value): a stable sort on decreasing rank, so ties keep row-major order
 * (`numpy.argsort(-rank, kind='stable')`).
 * @throws FvError `INVALID_ARGUMENT` for a non-finite value.
 */
export function salientOrder(map: Map2D, order: PixelOrder = 'absolute'): Uint32Array {
  oneOf(order, ['absolute', 'positive', 'signed'], 'order');
  const values = Float64Array.from(map.data, (v, i) => {
    if (!Number.isFinite(v)) {
      throw new FvError('INVALID_ARGUMENT', `The saliency map has a non-finite value at ${i}`);
    }
    return order === 'absolute' ? Math.abs(v) : order === 'positive' ? Math.max(v, 0) : v;
  });
  const indices = Uint32Array.from({ length: values.length }, (_, i) => i);
  return indices.sort((a, b) => values[b]! - values[a]! || a - b);
}

/**
 * Normalized area under a curve sampled at evenly spaced x in [0, 1] (the trapezoid rule):
 * (Σ s − (s₀ + sₙ) / 2) / n, the `auc` of the RISE authors' code.
 */
export function normalizedAuc(scores: ArrayLike<number>): number {
  const n = scores.length - 1;
  if (n < 1) throw new FvError('INVALID_ARGUMENT', 'An AUC needs at least two points');
  let sum = 0;
  for (let i = 0; i <= n; i++) sum += scores[i]!;
  return (sum - scores[0]! / 2 - scores[n]! / 2) / n;
}

/** Deletion or insertion curve and its AUC. */
export async function deletionCurve(
  ctx: SaliencyContext,
  options: DeletionOptions,
): Promise<CurveResult> {
  const { metric, map } = options;
  const { width, height, channels } = ctx.shape;
  if (map.width !== width || map.height !== height || map.data.length !== width * height) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `The map is ${map.width}×${map.height} but the model input is ${width}×${height} (resize it with resizeMap)`,
    );
  }
  const step = positiveInteger(options.pixelsPerStep ?? width, 'pixelsPerStep');
  const baseline = baselineData(
    ctx,
    options.baseline ?? (metric === 'deletion' ? 'black' : 'blurred'),
    {
      ...(options.blurSigma !== undefined
        ? { blurSigma: positiveNumber(options.blurSigma, 'blurSigma') }
        : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    },
  );
  const order = salientOrder(map, options.order);
  const pixels = width * height;
  const steps = Math.ceil(pixels / step);
  const [start, finish] =
    metric === 'deletion' ? [ctx.input.data, baseline] : [baseline, ctx.input.data];
  const size = start.length;
  const current = new Float32Array(start);
  const scores = new Float64Array(steps + 1);
  ctx.plan(Math.ceil((steps + 1) / ctx.batchSize));
  let changed = 0;
  for (let first = 0; first <= steps; first += ctx.batchSize) {
    const n = Math.min(ctx.batchSize, steps + 1 - first);
    const batch = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      // Image k has the first min(k · step, H · W) pixels of the order changed.
      const upTo = Math.min((first + i) * step, pixels);
      for (; changed < upTo; changed++) {
        const p = order[changed]!;
        for (let c = 0; c < channels; c++) {
          const j = elementOffset(ctx.shape, c, p);
          current[j] = finish[j]!;
        }
      }
      batch.set(current, i * size);
    }
    scores.set(await forwardScores(ctx, batch, n), first);
    await ctx.advance();
  }
  return {
    metric,
    target: ctx.target,
    score: ctx.scoreKind,
    fractions: Float64Array.from({ length: steps + 1 }, (_, k) => k / steps),
    scores,
    auc: normalizedAuc(scores),
  };
}

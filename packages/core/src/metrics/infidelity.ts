import { positiveNumber } from '../checks.js';
import { FvError } from '../errors.js';
import { createRng } from '../random.js';
import { forwardScores, type SaliencyContext } from '../saliency/context.js';
import type { Tensor } from '../tensor.js';
import { checkLikeInput, perturbationCount } from './context.js';
import type { InfidelityOptions, InfidelityResult } from './types.js';

/**
 * The attribution as one value per input element: itself when shaped like the input, a
 * one-channel attribution repeated over the channels.
 */
export function perElement(ctx: SaliencyContext, attribution: Tensor, what: string): Float32Array {
  const { channels, width, height } = ctx.shape;
  const pixels = width * height;
  if (attribution.data.length === ctx.input.data.length) {
    checkLikeInput(ctx, attribution, what);
    return attribution.data;
  }
  if (attribution.data.length !== pixels) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `${what} has shape [${attribution.dims.join(', ')}]; expected the input's [${ctx.input.dims.join(', ')}] or one channel of ${width}×${height}`,
    );
  }
  const out = new Float32Array(ctx.input.data.length);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < pixels; p++) {
      out[c * ctx.shape.channelStride + p * ctx.shape.pixelStride] = attribution.data[p]!;
    }
  }
  return out;
}

/** Infidelity as Captum computes it (`normalize` as its option of that name). */
export async function infidelity(
  ctx: SaliencyContext,
  options: InfidelityOptions,
): Promise<InfidelityResult> {
  const a = perElement(ctx, options.attribution, 'The attribution');
  const std = positiveNumber(options.std ?? 0.003, 'std');
  const given = options.perturbations;
  const count = perturbationCount(ctx, given, options.samples);
  const rng = createRng(options.seed ?? 0);
  const x = ctx.input.data;
  const size = x.length;
  // Σ_j a_j I_kj (float64) and f(x) − f(x − I_k) per perturbation.
  const dots = new Float64Array(count);
  const diffs = new Float64Array(count);
  ctx.plan(Math.ceil(count / ctx.batchSize));
  for (let first = 0; first < count; first += ctx.batchSize) {
    const n = Math.min(ctx.batchSize, count - first);
    const batch = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      const k = first + i;
      const perturbation = given ? given[k]!.data : undefined;
      let dot = 0;
      for (let j = 0; j < size; j++) {
        const v = perturbation ? perturbation[j]! : Math.fround(std * rng.normal());
        dot += a[j]! * v;
        batch[i * size + j] = x[j]! - v;
      }
      dots[k] = dot;
    }
    const scores = await forwardScores(ctx, batch, n);
    for (let i = 0; i < n; i++) diffs[first + i] = ctx.score - scores[i]!;
    await ctx.advance();
  }
  let beta = 1;
  let sum = 0;
  if (options.normalize) {
    // Captum: β = Σ ab / Σ a² (0 when Σ a² = 0), infidelity = mean(β² a² − 2β ab + b²).
    let aa = 0;
    let ab = 0;
    let bb = 0;
    for (let k = 0; k < count; k++) {
      aa += dots[k]! * dots[k]!;
      ab += dots[k]! * diffs[k]!;
      bb += diffs[k]! * diffs[k]!;
    }
    beta = aa !== 0 ? ab / aa : 0;
    sum = beta * beta * aa - 2 * beta * ab + bb;
  } else {
    // Captum: mean((a − b)²), without expanding (a ≈ b for a faithful attribution).
    for (let k = 0; k < count; k++) sum += (dots[k]! - diffs[k]!) ** 2;
  }
  return {
    metric: 'infidelity',
    target: ctx.target,
    score: ctx.scoreKind,
    value: sum / count,
    beta,
    samples: count,
  };
}

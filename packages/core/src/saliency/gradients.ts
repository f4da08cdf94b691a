import { oneOf, positiveInteger } from '../checks.js';
import { FvError } from '../errors.js';
import { gaussianBlur } from '../image/filter.js';
import { elementOffset } from '../image/shape.js';
import { normalizePixel } from '../preprocess/config.js';
import { createRng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { forwardScores, inputGradients, type SaliencyContext } from './context.js';
import type {
  Baseline,
  Completeness,
  IntegratedGradientsOptions,
  SmoothGradOptions,
} from './types.js';

/** Attribution of the gradient methods, before reduction to maps. */
export interface GradientAttribution {
  readonly attribution: Tensor;
  readonly gradient?: Tensor;
  readonly completeness?: Completeness;
}

const like = (ctx: SaliencyContext, data: Float32Array): Tensor => ({
  data,
  dims: [...ctx.input.dims],
});

/** ∂score/∂input at the input, with the given Relu mode. */
export async function plainGradient(
  ctx: SaliencyContext,
  relu: 'standard' | 'guided' | 'deconvnet' = 'standard',
  plan = true,
): Promise<Tensor> {
  if (plan) ctx.plan(1);
  const g = await inputGradients(ctx, ctx.input.data, 1, relu);
  await ctx.advance();
  return like(ctx, new Float32Array(g));
}

/** Gradient ⊙ input. */
export async function gradientTimesInput(ctx: SaliencyContext): Promise<GradientAttribution> {
  const gradient = await plainGradient(ctx);
  const x = ctx.input.data;
  const a = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) a[i] = gradient.data[i]! * x[i]!;
  return { attribution: like(ctx, a), gradient };
}

function valueRangeOf(data: Float32Array): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi - lo;
}

/** Element offsets of the input in channel-major order (0, 1, 2, … for NCHW). */
function channelMajor(ctx: SaliencyContext): Int32Array {
  const { channels, width, height } = ctx.shape;
  const order = new Int32Array(channels * width * height);
  let k = 0;
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < width * height; p++) order[k++] = elementOffset(ctx.shape, c, p);
  }
  return order;
}

/** SmoothGrad, SmoothGrad² and VarGrad, accumulated with Welford's algorithm in float64. */
export async function smoothGrad(
  ctx: SaliencyContext,
  options: SmoothGradOptions,
): Promise<GradientAttribution> {
  const samples = positiveInteger(options.samples ?? 50, 'samples');
  const sigma = options.sigma ?? 0.15;
  if (!(sigma >= 0 && Number.isFinite(sigma))) {
    throw new FvError('INVALID_ARGUMENT', `sigma must be a finite number ≥ 0, got ${sigma}`);
  }
  const variant = oneOf(options.variant ?? 'mean', ['mean', 'squared', 'variance'], 'variant');
  const x = ctx.input.data;
  const size = x.length;
  const std = sigma * valueRangeOf(x);
  const rng = createRng(options.seed ?? 0);
  const order = channelMajor(ctx);
  const mean = new Float64Array(size);
  const m2 = new Float64Array(size);
  const batches = Math.ceil(samples / ctx.batchSize);
  ctx.plan(batches);
  let k = 0;
  for (let start = 0; start < samples; start += ctx.batchSize) {
    const n = Math.min(ctx.batchSize, samples - start);
    const batch = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      // Noise drawn in channel-major order whatever the layout: NHWC gives NCHW's samples.
      for (const j of order) batch[i * size + j] = x[j]! + std * rng.normal();
    }
    const g = await inputGradients(ctx, batch, n);
    for (let i = 0; i < n; i++) {
      k++;
      for (let j = 0; j < size; j++) {
        const gi = g[i * size + j]!;
        const value = variant === 'squared' ? gi * gi : gi;
        const delta = value - mean[j]!;
        mean[j]! += delta / k;
        if (variant === 'variance') m2[j]! += delta * (value - mean[j]!);
      }
    }
    await ctx.advance();
  }
  const a = new Float32Array(size);
  for (let j = 0; j < size; j++) a[j] = variant === 'variance' ? m2[j]! / samples : mean[j]!;
  return { attribution: like(ctx, a) };
}

/** The baseline tensor data of integrated gradients. */
export function baselineData(
  ctx: SaliencyContext,
  baseline: Baseline,
  options: { blurSigma?: number; seed?: number } = {},
): Float32Array {
  const size = ctx.input.data.length;
  if (typeof baseline === 'object') {
    if (baseline.data.length !== size || baseline.dims.join() !== ctx.input.dims.join()) {
      throw new FvError(
        'SHAPE_MISMATCH',
        `Baseline shape [${baseline.dims.join(', ')}] differs from input shape [${ctx.input.dims.join(', ')}]`,
      );
    }
    return new Float32Array(baseline.data);
  }
  const out = new Float32Array(size);
  const pixels = ctx.shape.width * ctx.shape.height;
  switch (baseline) {
    case 'black':
    case 'mean':
      for (let c = 0; c < ctx.shape.channels; c++) {
        let value = normalizePixel(ctx.config, 0, c);
        if (baseline === 'mean') {
          let sum = 0;
          for (let p = 0; p < pixels; p++) sum += ctx.input.data[elementOffset(ctx.shape, c, p)]!;
          value = sum / pixels;
        }
        for (let p = 0; p < pixels; p++) out[elementOffset(ctx.shape, c, p)] = value;
      }
      return out;
    case 'uniform': {
      const rng = createRng(options.seed ?? 0);
      const [lo, hi] = ctx.config.valueRange;
      for (const i of channelMajor(ctx)) out[i] = lo + (hi - lo) * rng.next();
      return out;
    }
    case 'blurred':
      return gaussianBlur(
        ctx.input,
        options.blurSigma ?? Math.max(ctx.shape.width, ctx.shape.height) / 16,
        ctx.config.layout,
      ).data;
    default:
      throw new FvError(
        'INVALID_ARGUMENT',
        `baseline must be 'black', 'uniform', 'blurred', 'mean' or a tensor, got '${String(baseline)}'`,
      );
  }
}

/** Path points α and quadrature weights of a rule with `steps` intervals. */
export function quadrature(
  rule: IntegratedGradientsOptions['rule'] = 'riemann-right',
  steps: number,
): { alphas: number[]; weights: number[] } {
  const alphas: number[] = [];
  const weights: number[] = [];
  switch (rule) {
    case 'riemann-left':
    case 'riemann-right':
    case 'riemann-middle': {
      const shift = rule === 'riemann-left' ? 0 : rule === 'riemann-right' ? 1 : 0.5;
      for (let k = 0; k < steps; k++) {
        alphas.push((k + shift) / steps);
        weights.push(1 / steps);
      }
      break;
    }
    case 'trapezoid':
      for (let k = 0; k <= steps; k++) {
        alphas.push(k / steps);
        weights.push(k === 0 || k === steps ? 1 / (2 * steps) : 1 / steps);
      }
      break;
    default:
      throw new FvError(
        'INVALID_ARGUMENT',
        `rule must be 'riemann-left', 'riemann-right', 'riemann-middle' or 'trapezoid', got '${String(rule)}'`,
      );
  }
  return { alphas, weights };
}

/** Integrated gradients with its completeness gap. */
export async function integratedGradients(
  ctx: SaliencyContext,
  options: IntegratedGradientsOptions,
): Promise<GradientAttribution> {
  const steps = positiveInteger(options.steps ?? 50, 'steps');
  const { alphas, weights } = quadrature(options.rule, steps);
  const baseline = baselineData(ctx, options.baseline ?? 'black', {
    ...(options.blurSigma !== undefined ? { blurSigma: options.blurSigma } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  const x = ctx.input.data;
  const size = x.length;
  const sum = new Float64Array(size);
  const points = alphas.length;
  ctx.plan(Math.ceil(points / ctx.batchSize) + 1);
  for (let start = 0; start < points; start += ctx.batchSize) {
    const n = Math.min(ctx.batchSize, points - start);
    const batch = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      const alpha = alphas[start + i]!;
      for (let j = 0; j < size; j++) {
        batch[i * size + j] = baseline[j]! + alpha * (x[j]! - baseline[j]!);
      }
    }
    const g = await inputGradients(ctx, batch, n);
    for (let i = 0; i < n; i++) {
      const w = weights[start + i]!;
      for (let j = 0; j < size; j++) sum[j]! += w * g[i * size + j]!;
    }
    await ctx.advance();
  }
  const a = new Float32Array(size);
  let attributionSum = 0;
  for (let j = 0; j < size; j++) {
    a[j] = (x[j]! - baseline[j]!) * sum[j]!;
    attributionSum += a[j]!;
  }
  const [scoreAtBaseline] = await forwardScores(ctx, baseline, 1);
  await ctx.advance();
  const scoreAtInput = ctx.score;
  return {
    attribution: like(ctx, a),
    completeness: {
      attributionSum,
      scoreAtInput,
      scoreAtBaseline: scoreAtBaseline!,
      gap: attributionSum - (scoreAtInput - scoreAtBaseline!),
    },
  };
}

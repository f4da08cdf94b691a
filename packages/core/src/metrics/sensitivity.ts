import { oneOf, positiveNumber } from '../checks.js';
import { FvError } from '../errors.js';
import { createRng } from '../random.js';
import type { SaliencyContext } from '../saliency/context.js';
import { saliency } from '../saliency/saliency.js';
import type { SaliencyOptions, SaliencyResult } from '../saliency/types.js';
import type { Tensor } from '../tensor.js';
import { perturbationCount } from './context.js';
import type { SensitivityOptions, SensitivityResult } from './types.js';

/**
 * The saliency method's options for an explanation inside a metric: the metric's resolved target,
 * signal and batch size (the input is already a prepared tensor).
 */
export function explanationOptions(
  ctx: SaliencyContext,
  method: SaliencyOptions,
  batchSize: number | undefined,
): SaliencyOptions {
  const { signal: _signal, frameIntervalMs: _interval, preprocess: _preprocess, ...rest } = method;
  return {
    ...rest,
    target: ctx.target,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
  } as SaliencyOptions;
}

/** The explanation of `input` (a prepared model input) with the context's model configuration. */
export async function explain(
  ctx: SaliencyContext,
  input: Tensor,
  method: SaliencyOptions,
  engine = ctx.engine,
): Promise<SaliencyResult> {
  return await saliency(engine, input, method, ctx.config);
}

function norm(data: Float32Array, kind: 'fro' | 'inf'): number {
  let s = 0;
  for (const v of data) s = kind === 'fro' ? s + v * v : Math.max(s, Math.abs(v));
  return kind === 'fro' ? Math.sqrt(s) : s;
}

/** Max-sensitivity as Captum's `sensitivity_max`. */
export async function sensitivityMax(
  ctx: SaliencyContext,
  options: SensitivityOptions,
): Promise<SensitivityResult> {
  const radius = positiveNumber(options.radius ?? 0.02, 'radius');
  const kind = oneOf(options.norm ?? 'fro', ['fro', 'inf'], 'norm');
  const given = options.perturbations;
  const count = perturbationCount(ctx, given, options.samples);
  const method = explanationOptions(ctx, options.saliency, options.batchSize);
  ctx.plan(count + (options.explanation ? 0 : 1));
  const base = options.explanation ?? (await explain(ctx, ctx.input, method));
  if (!options.explanation) await ctx.advance();
  const e0 = base.attribution.data;
  // Captum divides by ‖e(x)‖, replaced by 1 when it is 0.
  const scale = norm(e0, kind) || 1;
  const rng = createRng(options.seed ?? 0);
  const x = ctx.input.data;
  const sensitivities = new Float64Array(count);
  const perturbed = new Float32Array(x.length);
  const difference = new Float32Array(e0.length);
  for (let k = 0; k < count; k++) {
    const delta = given ? given[k]!.data : undefined;
    for (let j = 0; j < x.length; j++) {
      // Captum's default_perturb_func: x + U(−r, r), drawn in float32.
      perturbed[j] = x[j]! + (delta ? delta[j]! : Math.fround((2 * rng.next() - 1) * radius));
    }
    const e = (await explain(ctx, { data: perturbed.slice(), dims: ctx.input.dims }, method))
      .attribution.data;
    if (e.length !== e0.length) {
      throw new FvError(
        'SHAPE_MISMATCH',
        `The given explanation has ${e0.length} values but the method gives ${e.length}`,
      );
    }
    for (let j = 0; j < e0.length; j++) difference[j] = e0[j]! - e[j]!;
    sensitivities[k] = norm(difference, kind) / scale;
    await ctx.advance();
  }
  return {
    metric: 'sensitivity',
    target: ctx.target,
    score: ctx.scoreKind,
    value: Math.max(...sensitivities),
    sensitivities,
  };
}

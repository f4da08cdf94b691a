import type { GradientRule } from '../rule.js';
import { MICROSOFT } from './contrib.js';
import { normalizationGradient } from './normalization.js';

/**
 * com.microsoft SkipLayerNormalization: S = input + skip (+ bias), Y = LayerNorm(S)·γ + β over
 * the last axis; optional outputs mean, inverse std and S itself (input_skip_bias_sum, which
 * optimized transformers pass on as the next residual). dS = the LayerNormalization gradient of
 * dY (with γ) plus the gradient reaching S's output; d input = d skip = dS (skip summed back to
 * its shape). γ, β and bias are constant weights.
 */
export const SkipLayerNormalization: GradientRule = {
  opType: 'SkipLayerNormalization',
  domain: MICROSOFT,
  nonDifferentiable: [2, 3, 4],
  nonDifferentiableOutputs: [1, 2],
  shape(ctx) {
    const x = ctx.input(0);
    if (!x) return [];
    const stat = [...x.slice(0, -1), 1];
    return [x, stat, stat, x];
  },
  build(ctx) {
    const dY = ctx.GO(0);
    const dSum = ctx.GO(3);
    if (!dY && !dSum) return;
    for (const i of [2, 3, 4]) {
      if (ctx.I(i) && !ctx.isConstant(ctx.I(i)))
        ctx.unsupported(`input ${i} ('${ctx.I(i)}') must be constant`);
    }
    const xs = ctx.shape(ctx.I(0));
    const axis = xs.length - 1;
    let sum = ctx.op('Add', [ctx.I(0), ctx.I(1)]);
    if (ctx.I(4)) sum = ctx.op('Add', [sum, ctx.I(4)]);
    const parts: string[] = [];
    if (dY) {
      const g = ctx.op('Mul', [dY, ctx.I(2)]);
      parts.push(
        normalizationGradient(ctx, g, [axis], xs[axis]!, ctx.float('epsilon', 1e-12), sum),
      );
    }
    if (dSum) parts.push(dSum);
    const dS = parts.length === 2 ? ctx.op('Add', parts) : parts[0]!;
    if (ctx.needsGI(0)) ctx.setGI(0, dS);
    if (ctx.needsGI(1))
      ctx.setGI(1, ctx.sumToShape(dS, ctx.symbolicShape(ctx.I(0)), ctx.symbolicShape(ctx.I(1))));
  },
};

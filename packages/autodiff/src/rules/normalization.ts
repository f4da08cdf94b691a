import type { RuleContext } from '../rule.js';
import { scalar } from './elementwise.js';

/**
 * Input gradient of Y = scale·x̂ + B with x̂ = (X − μ)/σ, μ and σ² = mean((X − μ)²) taken over
 * `axes` (n elements), σ = √(σ² + ε): with g = dY·scale,
 * dX = (g − mean(g) − x̂·mean(g·x̂)) / σ, the means over the same axes. μ and σ are recomputed
 * from X in the backward graph. `scaled` is g (dY already multiplied by the scale); `x` is X
 * (input 0 unless the op normalizes something it computes, as SkipLayerNormalization).
 */
export function normalizationGradient(
  ctx: RuleContext,
  scaled: string,
  axes: readonly number[],
  n: number,
  epsilon: number,
  x = ctx.I(0),
): string {
  const inv = scalar(ctx, 1 / n);
  const mean = (t: string): string => ctx.op('Mul', [ctx.reduceSum(t, axes, true), inv]);
  const centred = ctx.op('Sub', [x, mean(x)]);
  const variance = mean(ctx.op('Mul', [centred, centred]));
  const invStd = ctx.op('Reciprocal', [
    ctx.op('Sqrt', [ctx.op('Add', [variance, scalar(ctx, epsilon)])]),
  ]);
  const xhat = ctx.op('Mul', [centred, invStd]);
  const g = scaled;
  const inner = ctx.op('Sub', [
    ctx.op('Sub', [g, mean(g)]),
    ctx.op('Mul', [xhat, mean(ctx.op('Mul', [g, xhat]))]),
  ]);
  return ctx.op('Mul', [inner, invStd]);
}

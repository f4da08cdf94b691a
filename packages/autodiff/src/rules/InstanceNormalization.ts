import type { GradientRule } from '../rule.js';
import { sameShape } from '../shapes/functions.js';
import { normalizationGradient } from './normalization.js';

/**
 * Y = scale·(X − μ)/√(σ² + ε) + B with μ, σ² per sample and channel over the spatial dims.
 * dX = (g − mean(g) − x̂·mean(g·x̂))/σ with g = dY·scale (see normalization.ts). scale and B are
 * weights: constant, no gradient, used in place.
 */
export const InstanceNormalization: GradientRule = {
  opType: 'InstanceNormalization',
  nonDifferentiable: [1, 2],
  shape: sameShape,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    for (const i of [1, 2]) {
      if (!ctx.isConstant(ctx.I(i))) ctx.unsupported(`input ${i} ('${ctx.I(i)}') must be constant`);
    }
    const xs = ctx.symbolicShape(ctx.I(0));
    if (xs.length < 3) ctx.unsupported(`expected an input of rank ≥ 3, got ${xs.length}`);
    const spatial = xs.slice(2);
    if (!spatial.every((d) => typeof d === 'number')) ctx.shape(ctx.I(0));
    const n = (spatial as number[]).reduce((p, q) => p * q, 1);
    const c = ctx.shape(ctx.I(1))[0]!;
    const scale = ctx.reshape(ctx.I(1), [c, ...spatial.map(() => 1)]);
    const axes = spatial.map((_, i) => i + 2);
    const g = ctx.op('Mul', [dY, scale]);
    ctx.setGI(0, normalizationGradient(ctx, g, axes, n, ctx.float('epsilon', 1e-5)));
  },
};

import type { GradientRule } from '../rule.js';
import { normAxis } from './elementwise.js';
import { normalizationGradient } from './normalization.js';

/**
 * Y = scale·(X − μ)/√(σ² + ε) + B (opset 17) with μ, σ² over the axes from `axis` (default −1)
 * to the last. The full gradient through μ and σ: dX = (g − mean(g) − x̂·mean(g·x̂))/σ with
 * g = dY·scale (see normalization.ts). scale and B are constant weights. A gradient arriving at
 * the optional Mean or InvStdDev outputs is refused.
 */
export const LayerNormalization: GradientRule = {
  opType: 'LayerNormalization',
  nonDifferentiable: [1, 2],
  build(ctx) {
    if (ctx.GO(1) || ctx.GO(2))
      ctx.unsupported('gradients through the Mean and InvStdDev outputs are not supported');
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    for (const i of [1, 2]) {
      if (ctx.I(i) && !ctx.index.isConstant(ctx.I(i)))
        ctx.unsupported(`input ${i} ('${ctx.I(i)}') must be constant`);
    }
    const xs = ctx.symbolicShape(ctx.I(0));
    const axis = normAxis(ctx.int('axis', -1), xs.length);
    const normalized = xs.slice(axis);
    if (!normalized.every((d) => typeof d === 'number')) ctx.shape(ctx.I(0));
    const n = (normalized as number[]).reduce((p, q) => p * q, 1);
    const axes = normalized.map((_, i) => i + axis);
    const g = ctx.op('Mul', [dY, ctx.I(1)]);
    ctx.setGI(0, normalizationGradient(ctx, g, axes, n, ctx.float('epsilon', 1e-5)));
  },
};

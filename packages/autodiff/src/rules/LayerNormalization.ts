import type { GradientRule } from '../rule.js';
import { normAxis } from '../shapes/dims.js';
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
  shape(ctx) {
    // Y, and the optional Mean and InvStdDev with size 1 on the normalized axes.
    const x = ctx.input(0);
    if (!x) return [];
    const axis = normAxis(ctx.int('axis', -1), x.length);
    const stat = x.map((d, i) => (i < axis ? d : 1));
    return [x, stat, stat];
  },
  build(ctx) {
    if (ctx.GO(1) || ctx.GO(2))
      ctx.unsupported('gradients through the Mean and InvStdDev outputs are not supported');
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    for (const i of [1, 2]) {
      if (ctx.I(i) && !ctx.isConstant(ctx.I(i)))
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

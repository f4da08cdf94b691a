import type { GradientRule } from '../rule.js';

/**
 * Y = softmax(X) along `axis` (opset ≥ 13), or over all axes from `axis` on (opset < 13, where
 * the input is coerced to 2-D). dX = Y · (dY − Σ dY·Y) with the sum over the same axes.
 */
export const Softmax: GradientRule = {
  opType: 'Softmax',
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const rank = ctx.symbolicShape(ctx.I(0)).length;
    const a = ctx.int('axis', ctx.opset >= 13 ? -1 : 1);
    const axis = a < 0 ? a + rank : a;
    const axes = ctx.opset >= 13 ? [axis] : Array.from({ length: rank - axis }, (_, i) => axis + i);
    const y = ctx.O(0);
    const dot = ctx.reduceSum(ctx.op('Mul', [dY, y]), axes, true);
    ctx.setGI(0, ctx.op('Mul', [y, ctx.op('Sub', [dY, dot])]));
  },
};

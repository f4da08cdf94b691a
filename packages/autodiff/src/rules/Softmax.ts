import type { GradientRule } from '../rule.js';
import { sameShape } from '../shapes/functions.js';
import { softmaxAxes } from './reduce.js';

/**
 * Y = softmax(X) along `axis` (opset ≥ 13), or over all axes from `axis` on (opset < 13, where
 * the input is coerced to 2-D). dX = Y · (dY − Σ dY·Y) with the sum over the same axes.
 */
export const Softmax: GradientRule = {
  opType: 'Softmax',
  shape: sameShape,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const y = ctx.O(0);
    const dot = ctx.reduceSum(ctx.op('Mul', [dY, y]), softmaxAxes(ctx), true);
    ctx.setGI(0, ctx.op('Mul', [y, ctx.op('Sub', [dY, dot])]));
  },
};

import type { GradientRule } from '../rule.js';
import { sameShape } from '../shapes/functions.js';
import { broadcastScale } from './quantization.js';

/**
 * q = saturate(round(X / s) + zp). Straight-through: the rounding and saturation pass the
 * gradient unchanged, so dX = dq / s with dq taken with respect to q's raw integer values (see
 * quantization.ts); with the DequantizeLinear that follows, the pair is the identity.
 */
export const QuantizeLinear: GradientRule = {
  opType: 'QuantizeLinear',
  nonDifferentiable: [1, 2],
  shape: sameShape,
  build(ctx) {
    const dq = ctx.GO(0);
    if (!dq || !ctx.needsGI(0)) return;
    ctx.setGI(0, ctx.op('Div', [dq, broadcastScale(ctx, 1, 0)]));
  },
};

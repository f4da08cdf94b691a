import type { GradientRule } from '../rule.js';
import { sameShape } from '../shapes/functions.js';
import { broadcastScale } from './quantization.js';

/**
 * Y = (q − zp)·s, per tensor or per axis. dq = dY·s, with respect to q's raw integer values (see
 * quantization.ts). Dequantized weights are constants and need no gradient; on activations this
 * continues the straight-through path of a QuantizeLinear.
 */
export const DequantizeLinear: GradientRule = {
  opType: 'DequantizeLinear',
  nonDifferentiable: [1, 2],
  shape: sameShape,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    ctx.setGI(0, ctx.op('Mul', [dY, broadcastScale(ctx, 1, 0)]));
  },
};

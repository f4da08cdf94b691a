import type { GradientRule } from '../rule.js';

/**
 * (q, s, zp) = DynamicQuantizeLinear(X): uint8 q = saturate(round(X/s) + zp) with s and zp from
 * X's range. Straight-through: dX = dq / s, dq taken with respect to q's raw integer values (see
 * quantization.ts); the scale and zero point carry no gradient (the quantization grid is held
 * fixed, as in the dequantized float computation).
 */
export const DynamicQuantizeLinear: GradientRule = {
  opType: 'DynamicQuantizeLinear',
  nonDifferentiableOutputs: [1, 2],
  shape: (ctx) => [ctx.input(0), [], []],
  build(ctx) {
    const dq = ctx.GO(0);
    if (!dq || !ctx.needsGI(0)) return;
    ctx.setGI(0, ctx.op('Div', [dq, ctx.O(1)]));
  },
};

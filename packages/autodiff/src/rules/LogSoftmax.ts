import type { GradientRule } from '../rule.js';

/**
 * Y = X − log Σ e^X along `axis` (opset ≥ 13), or over all axes from `axis` on (opset < 13).
 * dX = dY − e^Y · Σ dY with the sum over the same axes. Written in Exp/ReduceSum/Mul/Sub, since
 * LogSoftmax itself runs on the CPU under onnxruntime-web's WebGPU provider.
 */
export const LogSoftmax: GradientRule = {
  opType: 'LogSoftmax',
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const rank = ctx.symbolicShape(ctx.I(0)).length;
    const a = ctx.int('axis', ctx.opset >= 13 ? -1 : 1);
    const axis = a < 0 ? a + rank : a;
    const axes = ctx.opset >= 13 ? [axis] : Array.from({ length: rank - axis }, (_, i) => axis + i);
    const total = ctx.reduceSum(dY, axes, true);
    const softmax = ctx.op('Exp', [ctx.O(0)]);
    ctx.setGI(0, ctx.op('Sub', [dY, ctx.op('Mul', [softmax, total])]));
  },
};

import type { GradientRule } from '../rule.js';
import { sameShape } from '../shapes/functions.js';
import { softmaxAxes } from './reduce.js';

/**
 * Y = X − log Σ e^X along `axis` (opset ≥ 13), or over all axes from `axis` on (opset < 13).
 * dX = dY − e^Y · Σ dY with the sum over the same axes. Written in Exp/ReduceSum/Mul/Sub, since
 * LogSoftmax itself runs on the CPU under onnxruntime-web's WebGPU provider.
 */
export const LogSoftmax: GradientRule = {
  opType: 'LogSoftmax',
  shape: sameShape,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const total = ctx.reduceSum(dY, softmaxAxes(ctx), true);
    const softmax = ctx.op('Exp', [ctx.O(0)]);
    ctx.setGI(0, ctx.op('Sub', [dY, ctx.op('Mul', [softmax, total])]));
  },
};

import type { GradientRule } from '../rule.js';
import { Conv } from './Conv.js';
import { convInputGradient } from './convolution.js';
import { integerOperand } from './quantization.js';

/**
 * Y = conv(X − x_zp, W − w_zp) in int32, W a constant quantized weight. With gradients taken with
 * respect to raw integer values (see quantization.ts), dX is the Conv input gradient with the float
 * weights W − w_zp (per output channel zero points broadcast), built in the backward graph.
 */
export const ConvInteger: GradientRule = {
  opType: 'ConvInteger',
  nonDifferentiable: [2, 3],
  shape: Conv.shape!,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    if (ctx.needsGI(1)) ctx.unsupported('a gradient with respect to the weights is not supported');
    const w = integerOperand(ctx, 1, 3, 0);
    ctx.setGI(0, convInputGradient(ctx, dY, w, ctx.shape(ctx.I(1))));
  },
};

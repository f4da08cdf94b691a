import type { GradientRule } from '../rule.js';
import { isStatic } from '../shapes/dims.js';
import { windowShape } from '../shapes/functions.js';
import { convInputGradient } from './convolution.js';

/**
 * Y = conv(X, W) + B. dX is the transposed convolution of dY with the same weights, strides,
 * dilations, groups and pads; output_padding restores the input size where the forward
 * convolution dropped trailing rows or columns. W and B are weights and get no gradient.
 */
export const Conv: GradientRule = {
  opType: 'Conv',
  shape(ctx) {
    const x = ctx.input(0);
    const w = ctx.input(1);
    if (!x || !isStatic(w)) return [];
    return [windowShape(ctx, w[0]!, ctx.ints('kernel_shape') ?? w.slice(2))];
  },
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    if (ctx.needsGI(1))
      ctx.unsupported(
        'the gradient with respect to the weights is not supported (weights must be constant)',
      );
    ctx.setGI(0, convInputGradient(ctx, dY, ctx.I(1), ctx.shape(ctx.I(1))));
  },
};

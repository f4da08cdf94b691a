import type { GradientRule } from '../rule.js';
import { windowGeometry } from '../shapes.js';

/**
 * Y = conv(X, W) + B. dX is the transposed convolution of dY with the same weights, strides,
 * dilations, groups and pads; output_padding restores the input size where the forward
 * convolution dropped trailing rows or columns. W and B are weights and get no gradient.
 */
export const Conv: GradientRule = {
  opType: 'Conv',
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    if (ctx.needsGI(1))
      ctx.unsupported(
        'the gradient with respect to the weights is not supported (weights must be constant)',
      );
    const x = [1, ...ctx.shapeAfterBatch(ctx.I(0))];
    const w = ctx.shape(ctx.I(1));
    const kernel = ctx.ints('kernel_shape') ?? w.slice(2);
    const geo = windowGeometry(ctx.node, x, kernel);
    const nsp = kernel.length;
    const outputPadding = kernel.map((k, i) => {
      const covered =
        geo.strides[i]! * (geo.out[i]! - 1) +
        geo.dilations[i]! * (k - 1) +
        1 -
        geo.pads[i]! -
        geo.pads[i + nsp]!;
      return x[i + 2]! - covered;
    });
    if (outputPadding.some((p, i) => p < 0 || p >= Math.max(geo.strides[i]!, geo.dilations[i]!))) {
      ctx.unsupported(
        `cannot express the input gradient with output_padding [${outputPadding.join(', ')}]`,
      );
    }
    const attrs = {
      kernel_shape: { ints: kernel },
      strides: { ints: geo.strides },
      dilations: { ints: geo.dilations },
      pads: { ints: geo.pads },
      group: { int: ctx.int('group', 1) },
      ...(outputPadding.some((p) => p !== 0) ? { output_padding: { ints: outputPadding } } : {}),
    };
    ctx.setGI(0, ctx.op('ConvTranspose', [dY, ctx.I(1)], attrs));
  },
};

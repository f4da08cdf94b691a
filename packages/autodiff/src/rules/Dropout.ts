import type { GradientRule } from '../rule.js';

/**
 * Inference-mode dropout is the identity: dX = dY; so is dropout with ratio 0 in training mode
 * (what `F.dropout(x, p=0.0)` exports, as in torchvision's Swin). Other training-mode dropout
 * (`training_mode` true or not constant, or `is_test` = 0 before opset 7) is refused, since its
 * mask is random.
 */
export const Dropout: GradientRule = {
  opType: 'Dropout',
  nonDifferentiable: [1, 2],
  nonDifferentiableOutputs: [1],
  shape: (ctx) => [ctx.input(0), ctx.input(0)],
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const ratio = ctx.I(1) ? ctx.constValue(ctx.I(1))?.values[0] : ctx.float('ratio', 0.5);
    const training =
      ctx.opset < 7
        ? ctx.int('is_test', 0) === 0
        : ctx.I(2)
          ? ctx.constValue(ctx.I(2))?.values[0] !== 0
          : false;
    if (training && ratio !== 0)
      ctx.unsupported('training-mode Dropout has a random mask and no fixed gradient');
    ctx.setGI(0, dY);
  },
};

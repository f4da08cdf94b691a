import type { GradientRule } from '../rule.js';

/**
 * Inference-mode dropout is the identity: dX = dY. A model exported in training mode (or with
 * `training_mode` set to a non-constant or true value) is refused, since its mask is random.
 */
export const Dropout: GradientRule = {
  opType: 'Dropout',
  nonDifferentiable: [1, 2],
  nonDifferentiableOutputs: [1],
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const training = ctx.I(2);
    if (training) {
      const v = ctx.index.constValue(training);
      if (v?.values[0] !== 0)
        ctx.unsupported('training-mode Dropout has a random mask and no fixed gradient');
    }
    if (ctx.opset < 7 && ctx.int('is_test', 0) === 0) {
      ctx.unsupported('Dropout without is_test=1 (opset < 7) runs in training mode');
    }
    ctx.setGI(0, dY);
  },
};

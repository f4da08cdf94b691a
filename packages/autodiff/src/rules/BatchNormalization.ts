import type { GradientRule } from '../rule.js';
import { sameShape } from '../shapes/functions.js';

/**
 * Inference form: Y = (X − mean) / sqrt(var + ε) · scale + B, all per channel (axis 1).
 * dX = dY · scale / sqrt(var + ε). The factor is computed from the initializers in the graph
 * (no weight copy). Training-mode BatchNormalization is refused.
 */
export const BatchNormalization: GradientRule = {
  opType: 'BatchNormalization',
  nonDifferentiable: [1, 2, 3, 4],
  shape: sameShape,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    if (ctx.int('training_mode', 0) === 1)
      ctx.unsupported('training-mode BatchNormalization is not supported');
    for (const i of [1, 2, 3, 4]) {
      if (!ctx.isConstant(ctx.I(i))) ctx.unsupported(`input ${i} ('${ctx.I(i)}') must be constant`);
    }
    const rank = ctx.symbolicShape(ctx.I(0)).length;
    const c = ctx.shape(ctx.I(1))[0]!;
    const eps = ctx.float('epsilon', 1e-5);
    const std = ctx.op('Sqrt', [ctx.op('Add', [ctx.I(4), ctx.constFloat([eps], [])])]);
    const factor = ctx.reshape(ctx.op('Div', [ctx.I(1), std]), [
      c,
      ...new Array<number>(rank - 2).fill(1),
    ]);
    ctx.setGI(0, ctx.op('Mul', [dY, factor]));
  },
};

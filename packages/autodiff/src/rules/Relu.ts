import type { GradientRule } from '../rule.js';
import { sameShape } from '../shapes/functions.js';
import { reluLikeGradient } from './relu-modes.js';

/** Y = max(X, 0). dX = dY where X > 0 (0 at X = 0, like PyTorch); see relu modes. */
export const Relu: GradientRule = {
  opType: 'Relu',
  shape: sameShape,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const zero = () => ctx.constFloat([0], []);
    ctx.setGI(
      0,
      reluLikeGradient(
        ctx,
        dY,
        () => ctx.op('Greater', [ctx.I(0), zero()]),
        {
          below: () => ctx.op('Less', [ctx.I(0), zero()]),
        },
        { output: ctx.O(0), lo: 0 },
      ),
    );
  },
};

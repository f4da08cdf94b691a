import type { GradientRule } from '../rule.js';
import { sameShape } from '../shapes/functions.js';

/** Y = X. dX = dY. */
export const Identity: GradientRule = {
  opType: 'Identity',
  shape: sameShape,
  fold: (ctx) => [ctx.value(0)],
  build(ctx) {
    const dY = ctx.GO(0);
    if (dY && ctx.needsGI(0)) ctx.setGI(0, dY);
  },
};

import type { GradientRule } from '../rule.js';

/** Y = X. dX = dY. */
export const Identity: GradientRule = {
  opType: 'Identity',
  build(ctx) {
    const dY = ctx.GO(0);
    if (dY && ctx.needsGI(0)) ctx.setGI(0, dY);
  },
};

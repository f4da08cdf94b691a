import type { GradientRule } from '../rule.js';
import { dimArithmetic } from '../shapes/dims.js';
import { broadcastShape, foldElementwise, numeric } from '../shapes/functions.js';

/**
 * Y = A mod B (fmod = 0: the sign of B, like Python; fmod = 1: the sign of A, like C). dA = dY
 * (summed back to A's shape); a gradient with respect to the divisor B is refused.
 */
export const Mod: GradientRule = {
  opType: 'Mod',
  shape: broadcastShape,
  fold(ctx) {
    const c = ctx.int('fmod', 0) === 1;
    return foldElementwise(
      numeric(
        (a, b) => (c ? a % b : a - b * Math.floor(a / b)),
        (a, b) => (c ? undefined : dimArithmetic('%', a, b)),
      ),
    )(ctx);
  },
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY) return;
    if (ctx.needsGI(1)) ctx.unsupported('a gradient with respect to the divisor is not supported');
    if (ctx.needsGI(0))
      ctx.setGI(0, ctx.sumToShape(dY, ctx.symbolicShape(ctx.O(0)), ctx.symbolicShape(ctx.I(0))));
  },
};

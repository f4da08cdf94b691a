import { unaryRule } from './elementwise.js';

/** Y = 1 / X. dX = −dY / X² = −dY · Y². */
export const Reciprocal = unaryRule('Reciprocal', (ctx, dY) => {
  const y = ctx.O(0);
  return ctx.op('Neg', [ctx.op('Mul', [dY, ctx.op('Mul', [y, y])])]);
});

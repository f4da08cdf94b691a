import { scalar, unaryRule } from './elementwise.js';

/** Y = 1 / (1 + e^−X). dX = dY · Y · (1 − Y). */
export const Sigmoid = unaryRule('Sigmoid', (ctx, dY) => {
  const y = ctx.O(0);
  return ctx.op('Mul', [dY, ctx.op('Mul', [y, ctx.op('Sub', [scalar(ctx, 1), y])])]);
});

import { scalar, unaryRule } from './elementwise.js';

/** Y = tanh(X). dX = dY · (1 − Y²). */
export const Tanh = unaryRule('Tanh', (ctx, dY) => {
  const y = ctx.O(0);
  return ctx.op('Mul', [dY, ctx.op('Sub', [scalar(ctx, 1), ctx.op('Mul', [y, y])])]);
});

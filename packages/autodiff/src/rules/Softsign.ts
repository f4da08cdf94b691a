import { scalar, unaryRule } from './elementwise.js';

/** Y = X / (1 + |X|). dX = dY / (1 + |X|)². */
export const Softsign = unaryRule('Softsign', (ctx, dY) => {
  const d = ctx.op('Add', [ctx.op('Abs', [ctx.I(0)]), scalar(ctx, 1)]);
  return ctx.op('Div', [dY, ctx.op('Mul', [d, d])]);
});

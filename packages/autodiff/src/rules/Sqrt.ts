import { scalar, unaryRule } from './elementwise.js';

/** Y = √X. dX = dY · 0.5 / Y. */
export const Sqrt = unaryRule('Sqrt', (ctx, dY) =>
  ctx.op('Div', [ctx.op('Mul', [dY, scalar(ctx, 0.5)]), ctx.O(0)]),
);

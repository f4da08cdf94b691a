import { reduction } from './reduce.js';

/** Y = Σ |X| over `axes`. dX = dY · sign(X) (0 at X = 0). */
export const ReduceL1 = reduction('ReduceL1', (ctx, dY) => {
  const x = ctx.I(0);
  const zero = ctx.constFloat([0], []);
  const positive = ctx.select(ctx.op('Greater', [x, zero]), dY);
  return ctx.op('Sub', [positive, ctx.select(ctx.op('Less', [x, zero]), dY)]);
});

import { reduction } from './reduce.js';

/** Y = √(Σ X²) over `axes`. dX = dY · X / Y (0 where Y = 0, as PyTorch's norm). */
export const ReduceL2 = reduction('ReduceL2', (ctx, dY, y) => {
  const ratio = ctx.op('Div', [ctx.I(0), y]);
  return ctx.select(ctx.op('Greater', [y, ctx.constFloat([0], [])]), ctx.op('Mul', [dY, ratio]));
});

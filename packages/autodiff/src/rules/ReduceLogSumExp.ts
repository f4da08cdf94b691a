import { reduction } from './reduce.js';

/** Y = ln Σ e^X over `axes`. dX = dY · e^(X − Y) (the softmax over the reduced axes). */
export const ReduceLogSumExp = reduction('ReduceLogSumExp', (ctx, dY, y) =>
  ctx.op('Mul', [dY, ctx.op('Exp', [ctx.op('Sub', [ctx.I(0), y])])]),
);

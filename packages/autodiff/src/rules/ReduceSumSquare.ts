import { reduction } from './reduce.js';

/** Y = Σ X² over `axes`. dX = 2·X·dY. */
export const ReduceSumSquare = reduction(
  'ReduceSumSquare',
  (ctx, dY) => ctx.op('Mul', [ctx.op('Mul', [ctx.I(0), dY]), ctx.constFloat([2], [])]),
  (xs) => xs.reduce((p, q) => p + q * q, 0),
);

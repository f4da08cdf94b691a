import { unaryRule } from './elementwise.js';

/** Y = ln(1 + e^X). dX = dY · σ(X). */
export const Softplus = unaryRule('Softplus', (ctx, dY) =>
  ctx.op('Mul', [dY, ctx.op('Sigmoid', [ctx.I(0)])]),
);

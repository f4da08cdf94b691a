import { scalar, unaryRule } from './elementwise.js';

/** Y = erf(X). dX = dY · (2/√π) · e^(−X²). */
export const Erf = unaryRule('Erf', (ctx, dY) => {
  const x = ctx.I(0);
  const e = ctx.op('Exp', [ctx.op('Neg', [ctx.op('Mul', [x, x])])]);
  return ctx.op('Mul', [dY, ctx.op('Mul', [e, scalar(ctx, 2 / Math.sqrt(Math.PI))])]);
});

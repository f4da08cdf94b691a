import { unaryRule } from './elementwise.js';

/** Y = cos X. dX = −dY · sin X. */
export const Cos = unaryRule('Cos', (ctx, dY) =>
  ctx.op('Neg', [ctx.op('Mul', [dY, ctx.op('Sin', [ctx.I(0)])])]),
);

import { unaryRule } from './elementwise.js';

/** Y = sin X. dX = dY · cos X. */
export const Sin = unaryRule('Sin', (ctx, dY) => ctx.op('Mul', [dY, ctx.op('Cos', [ctx.I(0)])]));

import { unaryRule } from './elementwise.js';

/** Y = e^X. dX = dY · Y. */
export const Exp = unaryRule('Exp', (ctx, dY) => ctx.op('Mul', [dY, ctx.O(0)]));

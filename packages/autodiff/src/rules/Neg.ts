import { unaryRule } from './elementwise.js';

/** Y = −X. dX = −dY. */
export const Neg = unaryRule('Neg', (ctx, dY) => ctx.op('Neg', [dY]));

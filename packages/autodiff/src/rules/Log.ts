import { unaryRule } from './elementwise.js';

/** Y = ln X. dX = dY / X. */
export const Log = unaryRule('Log', (ctx, dY) => ctx.op('Div', [dY, ctx.I(0)]));

import { foldElementwise } from '../shapes/functions.js';
import { unaryRule } from './elementwise.js';

/** Y = −X. dX = −dY. */
export const Neg = unaryRule('Neg', (ctx, dY) => ctx.op('Neg', [dY]), [], {
  fold: foldElementwise(([a]) => (typeof a === 'number' ? -a : undefined)),
});

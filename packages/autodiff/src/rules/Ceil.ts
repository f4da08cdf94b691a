import { piecewiseConstant } from './logical.js';

/** Y = ⌈X⌉. Its derivative is zero almost everywhere (as in PyTorch): no gradient flows. */
export const Ceil = piecewiseConstant('Ceil', Math.ceil);

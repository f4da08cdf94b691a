import { piecewiseConstant } from './logical.js';

/** Y = sign(X) ∈ {−1, 0, 1}. Its derivative is zero almost everywhere: no gradient flows. */
export const Sign = piecewiseConstant('Sign', Math.sign);

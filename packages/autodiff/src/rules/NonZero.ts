import type { GradientRule } from '../rule.js';

/** Y = the indices of the nonzero elements of X, [rank, count]: no gradient; count is data-dependent. */
export const NonZero: GradientRule = {
  opType: 'NonZero',
  shape: (ctx) => {
    const x = ctx.input(0);
    return [x ? [x.length, ctx.unknown(0, 1)] : undefined];
  },
};

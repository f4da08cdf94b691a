import { argReduction } from './logical.js';

/** Y = index of the largest element along `axis`, int64: no gradient flows through it. */
export const ArgMax = argReduction('ArgMax');

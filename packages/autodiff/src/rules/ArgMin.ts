import { argReduction } from './logical.js';

/** Y = index of the smallest element along `axis`, int64: no gradient flows through it. */
export const ArgMin = argReduction('ArgMin');

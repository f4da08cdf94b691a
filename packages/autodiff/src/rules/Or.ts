import { comparison } from './logical.js';

/** Y = A ∨ B elementwise, boolean: no gradient flows through it. */
export const Or = comparison('Or', (a, b) => a !== 0 || b !== 0);

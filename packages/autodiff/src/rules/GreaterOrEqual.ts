import { comparison } from './logical.js';

/** Y = (A ≥ B) elementwise, boolean: no gradient flows through it. */
export const GreaterOrEqual = comparison(
  'GreaterOrEqual',
  (a, b) => a >= b,
  (a, b) => (a === b || (typeof b === 'number' && b <= 0) ? true : undefined),
);

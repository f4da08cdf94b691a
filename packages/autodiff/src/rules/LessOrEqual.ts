import { comparison } from './logical.js';

/** Y = (A ≤ B) elementwise, boolean: no gradient flows through it. */
export const LessOrEqual = comparison(
  'LessOrEqual',
  (a, b) => a <= b,
  (a, b) => (a === b ? true : typeof b === 'number' && b < 0 ? false : undefined),
);

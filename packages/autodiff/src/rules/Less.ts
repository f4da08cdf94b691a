import { comparison } from './logical.js';

/** Y = (A < B) elementwise, boolean: no gradient flows through it. */
export const Less = comparison(
  'Less',
  (a, b) => a < b,
  (a, b) =>
    typeof b === 'number' && b < 0 ? false : typeof a === 'number' && a < 0 ? true : undefined,
);

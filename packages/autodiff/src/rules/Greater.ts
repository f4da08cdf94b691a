import { comparison } from './logical.js';

/** Y = (A > B) elementwise, boolean: no gradient flows through it. */
export const Greater = comparison(
  'Greater',
  (a, b) => a > b,
  (a, b) =>
    typeof b === 'number' && b < 0 ? true : typeof a === 'number' && a < 0 ? false : undefined,
);

import { comparison, couldEqual } from './logical.js';

/** Y = (A = B) elementwise, boolean: no gradient flows through it. */
export const Equal = comparison('Equal', (a, b) => a === b, couldEqual);

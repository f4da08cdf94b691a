import type { GradientRule } from '../rule.js';
import { foldElementwise, sameShape } from '../shapes/functions.js';

/** Y = ¬X elementwise, boolean: no gradient flows through it. */
export const Not: GradientRule = {
  opType: 'Not',
  shape: sameShape,
  fold: foldElementwise(([a]) => (typeof a === 'number' ? a === 0 : undefined)),
};

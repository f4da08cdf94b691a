import type { GradientRule } from '../rule.js';
import { sameShape } from '../shapes/functions.js';

/** Y = whether X is NaN, boolean: no gradient flows through it. */
export const IsNaN: GradientRule = { opType: 'IsNaN', shape: sameShape };

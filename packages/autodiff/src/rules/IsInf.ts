import type { GradientRule } from '../rule.js';
import { sameShape } from '../shapes/functions.js';

/** Y = whether X is infinite, boolean: no gradient flows through it. */
export const IsInf: GradientRule = { opType: 'IsInf', shape: sameShape };

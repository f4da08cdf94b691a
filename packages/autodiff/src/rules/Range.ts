import type { GradientRule } from '../rule.js';
import { dimArithmetic } from '../shapes/dims.js';
import { MAX_FOLDED_ELEMENTS } from '../shapes/values.js';

/** Y = start, start + delta, … below limit (scalars): no gradient flows through it. */
export const Range: GradientRule = {
  opType: 'Range',
  shape: (ctx) => {
    const [start, limit, delta] = [0, 1, 2].map((i) => ctx.value(i)?.values[0]);
    if (start === undefined || limit === undefined || delta === undefined) return [];
    if (typeof start === 'number' && typeof limit === 'number' && typeof delta === 'number')
      return [[Math.max(0, Math.ceil((limit - start) / delta))]];
    // range(0, n) and range(n): the common symbolic cases.
    return delta === 1 ? [[dimArithmetic('-', limit, start)]] : [[ctx.unknown(0, 0)]];
  },
  fold: (ctx) => {
    const [start, limit, delta] = [0, 1, 2].map((i) => ctx.constant(i)?.values[0]);
    if (start === undefined || limit === undefined || delta === undefined || delta === 0)
      return undefined;
    const n = Math.max(0, Math.ceil((limit - start) / delta));
    if (n > MAX_FOLDED_ELEMENTS) return undefined;
    const values = Array.from({ length: n }, (_, i) => start + i * delta);
    return [{ elemType: ctx.value(0)!.elemType, dims: [n], values }];
  },
};

import { constantNodeValue } from '../graph.js';
import type { GradientRule } from '../rule.js';
import { MAX_FOLDED_ELEMENTS } from '../shapes/values.js';

/** Y = a value stored in the node: no gradient. Small values take part in shape arithmetic. */
export const Constant: GradientRule = {
  opType: 'Constant',
  shape: (ctx) => {
    const t = ctx.node.attribute.find((a) => a.name === 'value')?.t;
    if (t) return [t.dims.map(Number)];
    const v = constantNodeValue(ctx.node);
    return [v?.dims];
  },
  fold: (ctx) => {
    const t = ctx.node.attribute.find((a) => a.name === 'value')?.t;
    const size = t ? t.dims.reduce((p, d) => p * Number(d), 1) : 0;
    return size > MAX_FOLDED_ELEMENTS ? undefined : [constantNodeValue(ctx.node)];
  },
};

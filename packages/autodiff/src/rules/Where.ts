import type { GradientRule } from '../rule.js';
import { broadcastShape, foldElementwise } from '../shapes/functions.js';
import { scalar } from './elementwise.js';

/**
 * Y = C ? A : B elementwise (broadcasting). dA = dY where C, dB = dY where ¬C, each summed back
 * to its input's shape; the condition gets no gradient.
 */
export const Where: GradientRule = {
  opType: 'Where',
  nonDifferentiable: [0],
  shape: broadcastShape,
  fold: foldElementwise(([c, a, b]) => (typeof c === 'number' ? (c !== 0 ? a : b) : undefined)),
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY) return;
    const y = ctx.symbolicShape(ctx.O(0));
    const zero = scalar(ctx, 0);
    for (const i of [1, 2]) {
      if (!ctx.needsGI(i)) continue;
      const g = ctx.op('Where', i === 1 ? [ctx.I(0), dY, zero] : [ctx.I(0), zero, dY]);
      ctx.setGI(i, ctx.sumToShape(g, y, ctx.symbolicShape(ctx.I(i))));
    }
  },
};

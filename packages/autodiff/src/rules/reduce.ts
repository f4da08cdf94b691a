import type { GradientRule } from '../rule.js';
import { axesOf } from '../shapes.js';
import { normAxis } from './elementwise.js';

/**
 * A rule for ReduceSum-like ops whose gradient spreads dY evenly over the reduced axes:
 * dX = broadcast(dY) · factor(n), with n the number of reduced elements. Axes come from the
 * attribute or the constant input 1; `keepdims` and `noop_with_empty_axes` are honoured.
 */
export function reduceRule(opType: string, factor: (n: number) => number): GradientRule {
  return {
    opType,
    nonDifferentiable: [1],
    build(ctx) {
      const dY = ctx.GO(0);
      if (!dY || !ctx.needsGI(0)) return;
      const xs = ctx.symbolicShape(ctx.I(0));
      const rank = xs.length;
      let axes = axesOf(ctx.index, ctx.node, 1);
      if (!axes || axes.length === 0) {
        if (ctx.int('noop_with_empty_axes', 0) === 1) {
          ctx.setGI(0, dY);
          return;
        }
        axes = xs.map((_, i) => i);
      }
      const ax = [...new Set(axes.map((a) => normAxis(a, rank)))].sort((p, q) => p - q);
      const dims = ax.map((a) => xs[a]);
      if (!dims.every((d) => typeof d === 'number')) ctx.shape(ctx.I(0));
      const n = (dims as number[]).reduce((p, q) => p * q, 1);
      const kept = ctx.int('keepdims', 1) === 1 || rank === 0 ? dY : ctx.unsqueeze(dY, ax);
      // kept has size 1 on the reduced axes; a constant with X's extent there broadcasts it.
      const shape = xs.map((d, i) => (ax.includes(i) ? (d as number) : 1));
      const fill = ctx.constFloat(new Float32Array(n).fill(factor(n)), shape);
      ctx.setGI(0, ctx.op('Mul', [kept, fill]));
    },
  };
}

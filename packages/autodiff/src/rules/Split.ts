import type { GradientRule } from '../rule.js';
import { normAxis, zerosLike } from './elementwise.js';

/**
 * Y₀, Y₁, … = split(X, axis). dX = concat(dY₀, dY₁, …, axis), with zeros standing in for outputs
 * that no gradient reaches.
 */
export const Split: GradientRule = {
  opType: 'Split',
  nonDifferentiable: [1],
  build(ctx) {
    if (!ctx.needsGI(0)) return;
    const outputs = ctx.node.output.length;
    const grads = Array.from({ length: outputs }, (_, i) => ctx.GO(i));
    if (grads.every((g) => g === undefined)) return;
    const rank = ctx.symbolicShape(ctx.I(0)).length;
    const axis = normAxis(ctx.int('axis', 0), rank);
    const parts = grads.map((g, i) => g ?? zerosLike(ctx, ctx.O(i)));
    ctx.setGI(0, parts.length === 1 ? parts[0]! : ctx.op('Concat', parts, { axis: { int: axis } }));
  },
};

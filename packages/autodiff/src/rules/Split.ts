import type { GradientRule } from '../rule.js';
import { normAxis } from '../shapes/dims.js';
import { zerosLike } from './elementwise.js';

/**
 * Y₀, Y₁, … = split(X, axis). dX = concat(dY₀, dY₁, …, axis), with zeros standing in for outputs
 * that no gradient reaches.
 */
export const Split: GradientRule = {
  opType: 'Split',
  nonDifferentiable: [1],
  shape(ctx) {
    const x = ctx.input(0);
    if (!x) return [];
    const axis = normAxis(ctx.int('axis', 0), x.length);
    const n = ctx.node.output.length;
    let split = ctx.ints('split') ?? (ctx.node.input[1] ? ctx.constant(1)?.values : undefined);
    if (!split) {
      const d = x[axis];
      if (typeof d !== 'number') return [];
      const chunk = Math.ceil(d / n);
      split = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, d - chunk * i)));
    }
    return split.map((s) => x.map((d, i) => (i === axis ? s : d)));
  },
  fold(ctx) {
    const v = ctx.value(0);
    const outs = Split.shape?.(ctx) ?? [];
    if (v?.dims.length !== 1 || outs.length === 0) return undefined;
    let at = 0;
    return outs.map((s) => {
      const len = s![0] as number;
      const values = v.values.slice(at, at + len);
      at += len;
      return { elemType: v.elemType, dims: [len], values };
    });
  },
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

import type { GradientRule } from '../rule.js';
import { type Dim, dimArithmetic, normAxis, product } from '../shapes/dims.js';

/** Y = concat(X₀, X₁, …, axis). dXᵢ = the slice of dY that Xᵢ filled. */
export const Concat: GradientRule = {
  opType: 'Concat',
  shape(ctx) {
    const all = ctx.node.input.map((_, i) => ctx.input(i));
    if (all.some((s) => !s)) return [];
    const first = all[0]!;
    const axis = normAxis(ctx.int('axis', 0), first.length);
    const out: Dim[] = [...first];
    out[axis] = all.map((s) => s![axis]!).reduce((a, b) => dimArithmetic('+', a, b));
    return [out];
  },
  fold(ctx) {
    const vals = ctx.node.input.map((_, i) => ctx.value(i));
    if (vals.some((v) => !v)) return undefined;
    const first = vals[0]!;
    const axis = normAxis(ctx.int('axis', 0), first.dims.length);
    const outer = product(first.dims.slice(0, axis));
    const values: Dim[] = [];
    for (let o = 0; o < outer; o++) {
      for (const v of vals) {
        const chunk = product(v!.dims.slice(axis));
        values.push(...v!.values.slice(o * chunk, (o + 1) * chunk));
      }
    }
    const dims = [...first.dims];
    dims[axis] = vals.reduce((n, v) => n + v!.dims[axis]!, 0);
    return [{ elemType: first.elemType, dims, values }];
  },
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY) return;
    const n = ctx.node.input.length;
    const rank = ctx.symbolicShape(ctx.I(0)).length;
    const axis = normAxis(ctx.int('axis', 0), rank);
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const size = ctx.symbolicShape(ctx.I(i))[axis];
      if (typeof size !== 'number')
        return ctx.unsupported(`the size of '${ctx.I(i)}' along axis ${axis} must be static`);
      if (ctx.needsGI(i)) ctx.setGI(i, ctx.slice(dY, [offset], [offset + size], [axis]));
      offset += size;
    }
  },
};

import type { GradientRule } from '../rule.js';

/** Y = concat(X₀, X₁, …, axis). dXᵢ = the slice of dY that Xᵢ filled. */
export const Concat: GradientRule = {
  opType: 'Concat',
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY) return;
    const n = ctx.node.input.length;
    const rank = ctx.symbolicShape(ctx.I(0)).length;
    const axisAttr = ctx.int('axis', 0);
    const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
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

import type { GradientRule } from '../rule.js';

/** A rule for ops that only change the shape: dX = reshape(dY, shape(X)). */
export function reshapeLike(
  opType: string,
  nonDifferentiable: readonly number[] = [1],
): GradientRule {
  return {
    opType,
    nonDifferentiable,
    build(ctx) {
      const dY = ctx.GO(0);
      if (!dY || !ctx.needsGI(0)) return;
      const s = ctx.symbolicShape(ctx.I(0));
      const free = s.filter((d) => typeof d !== 'number').length;
      // One free dim (a batch) is left for Reshape to infer (-1); more need a runtime shape.
      const dims = free <= 1 ? s.map((d) => (typeof d === 'number' ? d : -1)) : undefined;
      ctx.setGI(
        0,
        dims ? ctx.reshape(dY, dims) : ctx.op('Reshape', [dY, ctx.op('Shape', [ctx.I(0)])]),
      );
    },
  };
}

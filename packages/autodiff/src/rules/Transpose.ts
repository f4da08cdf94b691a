import type { GradientRule } from '../rule.js';

/** Y = transpose(X, perm). dX = transpose(dY, perm⁻¹). */
export const Transpose: GradientRule = {
  opType: 'Transpose',
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const rank = ctx.symbolicShape(ctx.I(0)).length;
    const perm = ctx.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const inverse = new Array<number>(rank);
    perm.forEach((p, i) => {
      inverse[p] = i;
    });
    ctx.setGI(0, ctx.op('Transpose', [dY], { perm: { ints: inverse } }));
  },
};

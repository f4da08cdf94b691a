import type { GradientRule } from '../rule.js';
import { product } from '../shapes/dims.js';

/** Y = transpose(X, perm). dX = transpose(dY, perm⁻¹). */
export const Transpose: GradientRule = {
  opType: 'Transpose',
  shape(ctx) {
    const x = ctx.input(0);
    if (!x) return [];
    const perm = ctx.ints('perm') ?? x.map((_, i) => x.length - 1 - i);
    return [perm.map((p) => x[p]!)];
  },
  fold(ctx) {
    const v = ctx.value(0);
    if (!v) return undefined;
    const r = v.dims.length;
    const perm = ctx.ints('perm') ?? v.dims.map((_, i) => r - 1 - i);
    const dims = perm.map((p) => v.dims[p]!);
    const inStrides = v.dims.map((_, i) => product(v.dims.slice(i + 1)));
    const values = Array.from({ length: v.values.length }, (_, j) => {
      let rest = j;
      let offset = 0;
      for (let k = 0; k < r; k++) {
        const stride = product(dims.slice(k + 1));
        const q = Math.floor(rest / stride);
        rest -= q * stride;
        offset += q * inStrides[perm[k]!]!;
      }
      return v.values[offset]!;
    });
    return [{ elemType: v.elemType, dims, values }];
  },
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

import type { GradientRule } from '../rule.js';
import { type Dim, mulDims, product } from '../shapes/dims.js';

/**
 * Y = X repeated `repeats[i]` times along each axis i. dX = dY reshaped to
 * [r₀, d₀, r₁, d₁, …] and summed over the repeat axes.
 */
export const Tile: GradientRule = {
  opType: 'Tile',
  nonDifferentiable: [1],
  shape(ctx) {
    const x = ctx.input(0);
    const r = ctx.value(1)?.values;
    if (!x || !r) return [];
    return [x.map((d, i) => mulDims([d, r[i]!]))];
  },
  fold(ctx) {
    const v = ctx.value(0);
    const r = ctx.constant(1)?.values;
    if (!v || !r) return undefined;
    const dims = v.dims.map((d, i) => d * r[i]!);
    const values: Dim[] = [];
    const n = product(dims);
    for (let j = 0; j < n; j++) {
      let rest = j;
      let offset = 0;
      for (let k = 0; k < dims.length; k++) {
        const stride = product(dims.slice(k + 1));
        const q = Math.floor(rest / stride);
        rest -= q * stride;
        offset += (q % v.dims[k]!) * product(v.dims.slice(k + 1));
      }
      values.push(v.values[offset]!);
    }
    return [{ elemType: v.elemType, dims, values }];
  },
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const repeats = ctx.constant(1)?.values;
    if (!repeats) return ctx.unsupported(`the repeats ('${ctx.I(1)}') must be constant`);
    const xs = ctx.symbolicShape(ctx.I(0));
    const axes = repeats.flatMap((r, i) => (r === 1 ? [] : [i]));
    if (axes.length === 0) return ctx.setGI(0, dY);
    // A free dim (a batch) that is not repeated stays free: Reshape infers it.
    const free = xs.filter((d, i) => typeof d !== 'number' && repeats[i] === 1).length;
    if (axes.some((a) => typeof xs[a] !== 'number') || free > 1) ctx.shape(ctx.I(0));
    const split = xs.flatMap((d, i) => [repeats[i]!, typeof d === 'number' ? d : -1]);
    const even = xs.map((_, i) => 2 * i);
    ctx.setGI(0, ctx.reduceSum(ctx.reshape(dY, split), even, false));
  },
};

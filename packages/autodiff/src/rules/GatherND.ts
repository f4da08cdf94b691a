import type { GradientRule } from '../rule.js';
import { type Dim, isStatic, product } from '../shapes/dims.js';
import { zerosLike } from './elementwise.js';
import { asRows, flatTupleIndices, scatterRows } from './scatter.js';

/**
 * Y = the slices of X at index tuples (batch_dims = 0). dX = dY scattered back, summing repeated
 * tuples: with constant indices a one-hot matrix times dY viewed as rows (X viewed as
 * [tuples' extent, rest]); with indices computed at run time ScatterND with reduction add
 * (opset ≥ 16).
 */
export const GatherND: GradientRule = {
  opType: 'GatherND',
  nonDifferentiable: [1],
  shape(ctx) {
    const x = ctx.input(0);
    const idx = ctx.input(1);
    const k = idx?.[idx.length - 1];
    if (!x || !idx || typeof k !== 'number') return [];
    const b = ctx.int('batch_dims', 0);
    return [[...idx.slice(0, -1), ...x.slice(b + k)] as Dim[]];
  },
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    if (ctx.int('batch_dims', 0) !== 0) return ctx.unsupported('batch_dims > 0 is not supported');
    const xs = ctx.symbolicShape(ctx.I(0));
    const idx = ctx.constant(1);
    const k = idx?.dims[idx.dims.length - 1] ?? 0;
    const lead = xs.slice(0, k);
    if (idx && isStatic(lead)) {
      const flat = flatTupleIndices(idx.values, idx.dims, lead);
      const rows = asRows(ctx, dY, flat.length, xs.slice(k));
      const dx = scatterRows(ctx, rows, flat, product(lead));
      ctx.setGI(
        0,
        ctx.reshape(
          dx,
          xs.map((d) => (typeof d === 'number' ? d : -1)),
        ),
      );
      return;
    }
    if (ctx.opset < 16)
      return ctx.unsupported(
        'indices computed at run time need ScatterND with reduction add: export at opset 16 or newer',
      );
    const add = { reduction: { string: 'add' } };
    ctx.setGI(0, ctx.op('ScatterND', [zerosLike(ctx, ctx.I(0)), ctx.I(1), dY], add));
  },
};

import { isStatic, product } from '../shapes/dims.js';
import { zerosLike } from './elementwise.js';
import { asRows, flatTupleIndices, maskWritten, scatterRule } from './scatter.js';

/**
 * Y = data with the slices at index tuples replaced by (reduction = none) or added to (add)
 * updates. d data = dY where nothing was written (all of dY for add); d updates = dY at the
 * index tuples. With constant indices (the usual case) these are a constant mask and a Gather of
 * dY viewed as rows; otherwise ScatterND and GatherND. mul, max and min are refused.
 */
export const ScatterND = scatterRule('ScatterND', (ctx, dY, reduction, xs) => {
  const idx = ctx.constant(1);
  const k = idx?.dims[idx.dims.length - 1] ?? 0;
  const lead = xs.slice(0, k);
  const constantPath = !!idx && isStatic(lead);
  const flat = constantPath ? flatTupleIndices(idx.values, idx.dims, lead as number[]) : [];
  if (ctx.needsGI(0)) {
    if (reduction === 'add') ctx.setGI(0, dY);
    else if (constantPath) ctx.setGI(0, maskWritten(ctx, dY, flat, lead as number[], xs.length));
    else ctx.setGI(0, ctx.op('ScatterND', [dY, ctx.I(1), zerosLike(ctx, ctx.I(2))]));
  }
  if (ctx.needsGI(2)) {
    if (!constantPath) return ctx.setGI(2, ctx.op('GatherND', [dY, ctx.I(1)]));
    const rows = asRows(ctx, dY, product(lead as number[]), xs.slice(k));
    const picked = ctx.op('Gather', [rows, ctx.constInt64(flat, idx!.dims.slice(0, -1))]);
    const us = ctx.symbolicShape(ctx.I(2));
    ctx.setGI(
      2,
      ctx.reshape(
        picked,
        us.map((d) => (typeof d === 'number' ? d : -1)),
      ),
    );
  }
});

import { isStatic, normAxis } from '../shapes/dims.js';
import { zerosLike } from './elementwise.js';
import { flatElementIndices, maskWritten, scatterRule } from './scatter.js';

/**
 * Y = data with updates written (reduction none) or added (add) at per-element indices along
 * `axis`. d data = dY where nothing was written (all of dY for add): a constant mask for
 * constant indices, ScatterElements of zeros otherwise; d updates = GatherElements(dY).
 * mul, max and min are refused.
 */
export const ScatterElements = scatterRule('ScatterElements', (ctx, dY, reduction, xs) => {
  const axis = normAxis(ctx.int('axis', 0), xs.length);
  const attrs = { axis: { int: axis } };
  if (ctx.needsGI(0)) {
    const idx = ctx.constant(1);
    if (reduction === 'add') ctx.setGI(0, dY);
    else if (idx && isStatic(xs)) {
      const flat = flatElementIndices(idx.values, idx.dims, xs, axis);
      ctx.setGI(0, maskWritten(ctx, dY, flat, xs, xs.length));
    } else {
      const zeros = zerosLike(ctx, ctx.I(2));
      ctx.setGI(0, ctx.op('ScatterElements', [dY, ctx.I(1), zeros], attrs));
    }
  }
  if (ctx.needsGI(2)) ctx.setGI(2, ctx.op('GatherElements', [dY, ctx.I(1)], attrs));
});

import { unaryRule } from './elementwise.js';

/** Y = X broadcast to a shape. dX = dY summed over the broadcast axes. */
export const Expand = unaryRule(
  'Expand',
  (ctx, dY) => ctx.sumToShape(dY, ctx.symbolicShape(ctx.O(0)), ctx.symbolicShape(ctx.I(0))),
  [1],
);

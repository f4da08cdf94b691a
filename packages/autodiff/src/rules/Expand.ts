import { broadcastShapes } from '../shapes/dims.js';
import { broadcastValues } from '../shapes/functions.js';
import { unaryRule } from './elementwise.js';

/** Y = X broadcast to a shape. dX = dY summed over the broadcast axes. */
export const Expand = unaryRule(
  'Expand',
  (ctx, dY) => ctx.sumToShape(dY, ctx.symbolicShape(ctx.O(0)), ctx.symbolicShape(ctx.I(0))),
  [1],
  {
    shape: (ctx) => {
      const x = ctx.input(0);
      const target = ctx.value(1)?.values;
      return [x && target ? broadcastShapes(x, target) : undefined];
    },
    fold: (ctx) => {
      const x = ctx.value(0);
      const target = ctx.constant(1)?.values;
      if (!x || !target) return undefined;
      const zeros = { elemType: x.elemType, dims: target, values: target.map(() => 0) };
      return [broadcastValues([x, zeros], ([a]) => a)];
    },
  },
);

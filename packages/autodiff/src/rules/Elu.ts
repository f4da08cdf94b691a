import { scalar, unaryRule, where } from './elementwise.js';

/**
 * Y = X for X > 0, α·(e^X − 1) otherwise. dX = dY where X > 0, dY·α·e^X = dY·(Y + α)
 * elsewhere (α at X = 0, like PyTorch).
 */
export const Elu = unaryRule('Elu', (ctx, dY) => {
  const alpha = ctx.float('alpha', 1);
  const mask = ctx.op('Greater', [ctx.I(0), scalar(ctx, 0)]);
  const neg = ctx.op('Mul', [dY, ctx.op('Add', [ctx.O(0), scalar(ctx, alpha)])]);
  return where(ctx, mask, dY, neg);
});

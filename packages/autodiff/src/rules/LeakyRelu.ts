import { scalar, unaryRule, where } from './elementwise.js';

/**
 * Y = X for X > 0, α·X otherwise (α = `alpha`, default 0.01). dX = dY where X > 0, α·dY
 * elsewhere (α at X = 0, like PyTorch).
 */
export const LeakyRelu = unaryRule('LeakyRelu', (ctx, dY) => {
  const alpha = ctx.float('alpha', 0.01);
  const mask = ctx.op('Greater', [ctx.I(0), scalar(ctx, 0)]);
  return where(ctx, mask, dY, ctx.op('Mul', [dY, scalar(ctx, alpha)]));
});

import { scalar, unaryRule, where } from './elementwise.js';

/**
 * Y = γ·X for X > 0, γ·α·(e^X − 1) otherwise (α ≈ 1.6733, γ ≈ 1.0507). dX = γ·dY where X > 0,
 * dY·(Y + γ·α) elsewhere.
 */
export const Selu = unaryRule('Selu', (ctx, dY) => {
  const alpha = ctx.float('alpha', Math.fround(1.6732632423543772));
  const gamma = ctx.float('gamma', Math.fround(1.0507009873554805));
  const mask = ctx.op('Greater', [ctx.I(0), scalar(ctx, 0)]);
  const neg = ctx.op('Mul', [dY, ctx.op('Add', [ctx.O(0), scalar(ctx, gamma * alpha)])]);
  return where(ctx, mask, ctx.op('Mul', [dY, scalar(ctx, gamma)]), neg);
});

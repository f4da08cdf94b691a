import { scalar, unaryRule } from './elementwise.js';

/**
 * Y = max(0, min(1, α·X + β)) (α = 0.2, β = 0.5 by default). dX = α·dY where 0 < α·X + β < 1
 * (strictly, like PyTorch), 0 elsewhere.
 */
export const HardSigmoid = unaryRule('HardSigmoid', (ctx, dY) => {
  const alpha = ctx.float('alpha', 0.2);
  const beta = ctx.float('beta', 0.5);
  const z = ctx.op('Add', [ctx.op('Mul', [ctx.I(0), scalar(ctx, alpha)]), scalar(ctx, beta)]);
  const inner = ctx.select(
    ctx.op('Less', [z, scalar(ctx, 1)]),
    ctx.op('Mul', [dY, scalar(ctx, alpha)]),
  );
  return ctx.select(ctx.op('Greater', [z, scalar(ctx, 0)]), inner);
});

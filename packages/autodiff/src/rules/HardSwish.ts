import { scalar, unaryRule } from './elementwise.js';

/**
 * Y = X · max(0, min(1, X/6 + 1/2)) (opset 14). dX = 0 for X < −3, dY for X > 3 and
 * dY·(X/3 + 1/2) in between, as PyTorch's hardswish backward.
 */
export const HardSwish = unaryRule('HardSwish', (ctx, dY) => {
  const x = ctx.I(0);
  const mid = ctx.op('Mul', [
    dY,
    ctx.op('Add', [ctx.op('Mul', [x, scalar(ctx, 1 / 3)]), scalar(ctx, 0.5)]),
  ]);
  const upper = ctx.op('Where', [ctx.op('Greater', [x, scalar(ctx, 3)]), dY, mid]);
  return ctx.op('Where', [ctx.op('Less', [x, scalar(ctx, -3)]), scalar(ctx, 0), upper]);
});

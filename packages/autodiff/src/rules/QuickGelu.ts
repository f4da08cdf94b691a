import { biasActivation } from './contrib.js';
import { scalar } from './elementwise.js';

/**
 * com.microsoft QuickGelu: Y = X·σ(αX) (α = `alpha`, default 1.702). dX = dY·(s + αX·s(1 − s))
 * with s = σ(αX).
 */
export const QuickGelu = biasActivation('QuickGelu', (ctx, x) => {
  const alpha = ctx.float('alpha', 1.702);
  const ax = ctx.op('Mul', [x, scalar(ctx, alpha)]);
  const s = ctx.op('Sigmoid', [ax]);
  const ds = ctx.op('Mul', [s, ctx.op('Sub', [scalar(ctx, 1), s])]);
  return ctx.op('Add', [s, ctx.op('Mul', [ax, ds])]);
});

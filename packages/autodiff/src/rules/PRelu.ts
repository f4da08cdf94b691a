import { broadcastShape } from '../shapes/functions.js';
import { scalar, unaryRule, where } from './elementwise.js';

/**
 * Y = X for X > 0, slope·X otherwise, with `slope` (input 1) broadcast to X. dX = dY where X > 0,
 * dY·slope elsewhere (slope at X = 0, like PyTorch). The slope is a learned weight: it must be
 * constant and gets no gradient.
 */
export const PRelu = unaryRule(
  'PRelu',
  (ctx, dY) => {
    if (!ctx.isConstant(ctx.I(1))) ctx.unsupported(`the slope ('${ctx.I(1)}') must be constant`);
    const mask = ctx.op('Greater', [ctx.I(0), scalar(ctx, 0)]);
    return where(ctx, mask, dY, ctx.op('Mul', [dY, ctx.I(1)]));
  },
  [1],
  { shape: broadcastShape },
);

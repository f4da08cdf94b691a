import { foldElementwise } from '../shapes/functions.js';
import { scalar, unaryRule } from './elementwise.js';

/**
 * Y = |X|. dX = dY · sign(X) (0 at X = 0, like PyTorch): dY where X > 0 minus dY where X < 0
 * (Sign itself runs on the CPU under onnxruntime-web's WebGPU provider).
 */
export const Abs = unaryRule(
  'Abs',
  (ctx, dY) => {
    const x = ctx.I(0);
    const zero = scalar(ctx, 0);
    const positive = ctx.select(ctx.op('Greater', [x, zero]), dY);
    return ctx.op('Sub', [positive, ctx.select(ctx.op('Less', [x, zero]), dY)]);
  },
  [],
  { fold: foldElementwise(([a]) => (typeof a === 'number' ? Math.abs(a) : undefined)) },
);

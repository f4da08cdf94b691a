import { isFloatType } from '../onnx.js';
import { unaryRule } from './elementwise.js';

/**
 * Y = X converted to another element type. Between float types dX = dY cast back to X's type;
 * a cast to an integer or boolean type carries no gradient (the builder never makes its output
 * active), so this rule only sees float-to-float casts.
 */
export const Cast = unaryRule('Cast', (ctx, dY) => {
  const from = ctx.index.elemTypes.get(ctx.I(0));
  const to = ctx.int('to', 1);
  if (!isFloatType(to)) return undefined;
  if (from === undefined || from === to) return dY;
  if (!isFloatType(from)) return undefined;
  return ctx.op('Cast', [dY], { to: { int: from } });
});

import { dimArithmetic } from '../shapes/dims.js';
import { foldElementwise, isIntegerType, numeric } from '../shapes/functions.js';
import { binaryRule, sendBroadcast } from './binary.js';

/** Y = A / B. dA = dY / B, dB = −dY · Y / B, each summed back to its input's shape. */
export const Div = binaryRule(
  'Div',
  (ctx, dY) => {
    const gA = ctx.op('Div', [dY, ctx.I(1)]);
    if (ctx.needsGI(0)) sendBroadcast(ctx, 0, gA);
    if (ctx.needsGI(1)) sendBroadcast(ctx, 1, ctx.op('Neg', [ctx.op('Mul', [gA, ctx.O(0)])]));
  },
  // Integer division truncates (as onnxruntime's kernel); shape arithmetic divides evenly.
  foldElementwise(
    numeric(
      (a, b, t) => (isIntegerType(t) ? Math.trunc(a / b) : a / b),
      (a, b) => dimArithmetic('/', a, b),
    ),
  ),
);

import { mulDims } from '../shapes/dims.js';
import { foldElementwise, numeric } from '../shapes/functions.js';
import { binaryRule, sendBroadcast } from './binary.js';

/** Y = A · B. dA = dY · B, dB = dY · A, each summed back to its input's shape. */
export const Mul = binaryRule(
  'Mul',
  (ctx, dY) => {
    if (ctx.needsGI(0)) sendBroadcast(ctx, 0, ctx.op('Mul', [dY, ctx.I(1)]));
    if (ctx.needsGI(1)) sendBroadcast(ctx, 1, ctx.op('Mul', [dY, ctx.I(0)]));
  },
  foldElementwise(
    numeric(
      (a, b) => a * b,
      (a, b) => mulDims([a, b]),
    ),
  ),
);

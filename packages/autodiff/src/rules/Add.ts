import { dimArithmetic } from '../shapes/dims.js';
import { foldElementwise, numeric } from '../shapes/functions.js';
import { binaryRule, sendBroadcast } from './binary.js';

/** Y = A + B (broadcasting). dA = dY, dB = dY, each summed back to its input's shape. */
export const Add = binaryRule(
  'Add',
  (ctx, dY) => {
    if (ctx.needsGI(0)) sendBroadcast(ctx, 0, dY);
    if (ctx.needsGI(1)) sendBroadcast(ctx, 1, dY);
  },
  foldElementwise(
    numeric(
      (a, b) => a + b,
      (a, b) => dimArithmetic('+', a, b),
    ),
  ),
);

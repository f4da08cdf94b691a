import { binaryRule, sendBroadcast } from './binary.js';

/** Y = A / B. dA = dY / B, dB = −dY · Y / B, each summed back to its input's shape. */
export const Div = binaryRule('Div', (ctx, dY) => {
  const gA = ctx.op('Div', [dY, ctx.I(1)]);
  if (ctx.needsGI(0)) sendBroadcast(ctx, 0, gA);
  if (ctx.needsGI(1)) sendBroadcast(ctx, 1, ctx.op('Neg', [ctx.op('Mul', [gA, ctx.O(0)])]));
});

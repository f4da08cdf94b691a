import { binaryRule, sendBroadcast } from './binary.js';
import { scalar } from './elementwise.js';

/** Y = (X₀ + … + Xₙ₋₁)/n (broadcasting). dXᵢ = dY/n summed back to Xᵢ's shape. */
export const Mean = binaryRule('Mean', (ctx, dY) => {
  const n = ctx.node.input.length;
  const g = ctx.op('Mul', [dY, scalar(ctx, 1 / n)]);
  ctx.node.input.forEach((_, i) => {
    if (ctx.needsGI(i)) sendBroadcast(ctx, i, g);
  });
});

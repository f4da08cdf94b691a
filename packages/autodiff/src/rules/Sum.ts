import { binaryRule, sendBroadcast } from './binary.js';

/** Y = X₀ + X₁ + … (broadcasting). dXᵢ = dY summed back to Xᵢ's shape. */
export const Sum = binaryRule('Sum', (ctx, dY) => {
  ctx.node.input.forEach((_, i) => {
    if (ctx.needsGI(i)) sendBroadcast(ctx, i, dY);
  });
});

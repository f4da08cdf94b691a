import type { RuleContext } from '../rule.js';

/**
 * The gradient through a Relu-like unit whose local derivative is the boolean `mask`
 * (1 where the unit passes its input, 0 elsewhere), under the context's relu mode:
 * - standard: dX = dY · mask
 * - guided (Springenberg et al. 2015): dX = max(dY, 0) · mask
 * - deconvnet (Zeiler & Fergus 2014): dX = max(dY, 0), whatever the forward activation
 */
export function reluLikeGradient(ctx: RuleContext, dY: string, mask: () => string): string {
  switch (ctx.relu) {
    case 'guided':
      return ctx.select(mask(), ctx.op('Relu', [dY]));
    case 'deconvnet':
      return ctx.op('Relu', [dY]);
    default:
      return ctx.select(mask(), dY);
  }
}

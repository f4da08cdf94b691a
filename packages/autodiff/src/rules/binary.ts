import type { GradientRule, RuleContext } from '../rule.js';

/** Sends `g` (shaped like the output) to input i, summed back over broadcast axes. */
export function sendBroadcast(ctx: RuleContext, i: number, g: string): void {
  ctx.setGI(i, ctx.sumToShape(g, ctx.symbolicShape(ctx.O(0)), ctx.symbolicShape(ctx.I(i))));
}

export function binaryRule(
  opType: string,
  build: (ctx: RuleContext, dY: string) => void,
): GradientRule {
  return {
    opType,
    build(ctx) {
      const dY = ctx.GO(0);
      if (dY) build(ctx, dY);
    },
  };
}

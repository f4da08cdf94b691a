import type { GradientRule, RuleContext, ShapeContext } from '../rule.js';
import { broadcastShape } from '../shapes/functions.js';
import type { TensorValue } from '../shapes/values.js';

/** Sends `g` (shaped like the output) to input i, summed back over broadcast axes. */
export function sendBroadcast(ctx: RuleContext, i: number, g: string): void {
  ctx.setGI(i, ctx.sumToShape(g, ctx.symbolicShape(ctx.O(0)), ctx.symbolicShape(ctx.I(i))));
}

/** A rule for a broadcasting op with two (or more) differentiable inputs and one output. */
export function binaryRule(
  opType: string,
  build: (ctx: RuleContext, dY: string) => void,
  fold?: (ctx: ShapeContext) => readonly (TensorValue | undefined)[] | undefined,
): GradientRule {
  return {
    opType,
    shape: broadcastShape,
    ...(fold ? { fold } : {}),
    build(ctx) {
      const dY = ctx.GO(0);
      if (dY) build(ctx, dY);
    },
  };
}

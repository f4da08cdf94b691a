// The com.microsoft ops that onnxruntime's graph optimizations fuse into exported transformers
// (FastGelu, BiasGelu, QuickGelu, SkipLayerNormalization), and what they share.
import type { GradientRule, RuleContext } from '../rule.js';
import { broadcastShape, sameShape } from '../shapes/functions.js';

export const MICROSOFT = 'com.microsoft';

/**
 * A com.microsoft GELU variant Y = f(X + bias) with an optional constant bias (input 1):
 * dX = dY·f′(X + bias). The bias is a weight and gets no gradient.
 */
export function biasActivation(
  opType: string,
  derivative: (ctx: RuleContext, x: string) => string,
): GradientRule {
  return {
    opType,
    domain: MICROSOFT,
    nonDifferentiable: [1],
    shape: (ctx) => (ctx.node.input[1] ? broadcastShape(ctx) : sameShape(ctx)),
    build(ctx) {
      const dY = ctx.GO(0);
      if (!dY || !ctx.needsGI(0)) return;
      if (ctx.I(1) && !ctx.isConstant(ctx.I(1)))
        ctx.unsupported(`the bias ('${ctx.I(1)}') must be constant`);
      const x = ctx.I(1) ? ctx.op('Add', [ctx.I(0), ctx.I(1)]) : ctx.I(0);
      const g = ctx.op('Mul', [dY, derivative(ctx, x)]);
      ctx.setGI(0, ctx.sumToShape(g, ctx.symbolicShape(ctx.O(0)), ctx.symbolicShape(ctx.I(0))));
    },
  };
}

import type { RuleContext } from '../rule.js';

/** Where a Relu-like unit's input lies outside its active range (for the `redirected` mode). */
export interface InactiveRegions {
  /** Boolean: the input is below the lower bound (Relu: `X < 0`). */
  readonly below?: () => string;
  /** Boolean: the input is above the upper bound (ReLU6: `X > 6`). */
  readonly above?: () => string;
}

/**
 * The gradient through a Relu-like unit whose local derivative is the boolean `mask`
 * (1 where the unit passes its input, 0 elsewhere), under the context's relu mode:
 * - standard: dX = dY · mask
 * - guided (Springenberg et al. 2015): dX = max(dY, 0) · mask
 * - deconvnet (Zeiler & Fergus 2014): dX = max(dY, 0), whatever the forward activation
 * - redirected (Lucid, `lucid/misc/redirected_relu_grad.py`): the standard gradient for every
 *   batch item that it does not block entirely; for an item where it is zero everywhere, dY
 *   passes except where it would push the input further out of the active range (below the
 *   lower bound only dY > 0 passes, above the upper bound only dY < 0; fv's gradients are of
 *   the objective, so the signs are Lucid's, negated for its loss).
 */
export function reluLikeGradient(
  ctx: RuleContext,
  dY: string,
  mask: () => string,
  inactive: InactiveRegions = {},
): string {
  switch (ctx.relu) {
    case 'guided':
      return ctx.select(mask(), ctx.op('Relu', [dY]));
    case 'deconvnet':
      return ctx.op('Relu', [dY]);
    case 'redirected':
      return redirected(ctx, dY, ctx.select(mask(), dY), inactive);
    default:
      return ctx.select(mask(), dY);
  }
}

/** `cond ? a : b` (Where from opset 9; two selects before). */
function choose(ctx: RuleContext, cond: string, a: string, b: string): string {
  if (ctx.opset >= 9) return ctx.op('Where', [cond, a, b]);
  return ctx.op('Add', [ctx.select(cond, a), ctx.select(ctx.op('Not', [cond]), b)]);
}

function redirected(
  ctx: RuleContext,
  dY: string,
  standard: string,
  inactive: InactiveRegions,
): string {
  let pushed = dY;
  if (inactive.above) {
    const down = ctx.op('Neg', [ctx.op('Relu', [ctx.op('Neg', [dY])])]);
    pushed = choose(ctx, inactive.above(), down, pushed);
  }
  if (inactive.below) pushed = choose(ctx, inactive.below(), ctx.op('Relu', [dY]), pushed);
  // Per batch item (axis 0): does any of the standard gradient get through?
  const rank = ctx.symbolicShape(ctx.I(0)).length;
  const axes = rank > 1 ? Array.from({ length: rank - 1 }, (_, i) => i + 1) : [0];
  const through = ctx.op('Greater', [
    ctx.reduceSum(ctx.op('Abs', [standard]), axes, true),
    ctx.constFloat([0], []),
  ]);
  return choose(ctx, through, standard, pushed);
}

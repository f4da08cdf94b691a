import type { RuleContext } from '../rule.js';
import { broadcastShape, foldElementwise, numeric } from '../shapes/functions.js';
import { scalar, unaryRule } from './elementwise.js';

/** X^k for a small integer k ≥ 1 as a chain of multiplications (exact for negative X too). */
function intPower(ctx: RuleContext, x: string, k: number): string {
  let out = x;
  for (let i = 1; i < k; i++) out = ctx.op('Mul', [out, x]);
  return out;
}

/**
 * Y = X^p with a constant exponent p (scalar or broadcast tensor). dX = dY · p · X^(p−1), summed
 * back to X's shape when p broadcasts X. Small integer exponents become multiplications (Pow of a
 * negative base is not portable), p = ½ reuses Y (dX = dY·½/Y). A non-constant exponent (a
 * gradient with respect to p) is refused.
 */
export const Pow = unaryRule(
  'Pow',
  (ctx, dY) => {
    const expName = ctx.I(1);
    const c = ctx.constValue(expName);
    if (!c || !ctx.isConstant(expName))
      return ctx.unsupported(
        `only a constant exponent is supported ('${expName}' is not constant)`,
      );
    let local: string | undefined;
    if (c.values.length === 1) {
      const p = c.values[0]!;
      const m = p - 1;
      if (p === 0) return undefined;
      if (p === 1) local = undefined;
      else if (p === 0.5)
        return sumToX(ctx, ctx.op('Div', [ctx.op('Mul', [dY, scalar(ctx, 0.5)]), ctx.O(0)]));
      else if (Number.isInteger(m) && Math.abs(m) <= 4) {
        const pw = intPower(ctx, ctx.I(0), Math.abs(m));
        local = ctx.op('Mul', [m > 0 ? pw : ctx.op('Reciprocal', [pw]), scalar(ctx, p)]);
      } else {
        local = ctx.op('Mul', [ctx.op('Pow', [ctx.I(0), scalar(ctx, m)]), scalar(ctx, p)]);
      }
    } else {
      const pm1 = ctx.constFloat(
        c.values.map((v) => v - 1),
        c.dims,
      );
      local = ctx.op('Mul', [ctx.op('Pow', [ctx.I(0), pm1]), ctx.constFloat(c.values, c.dims)]);
    }
    return sumToX(ctx, local ? ctx.op('Mul', [dY, local]) : dY);
  },
  [1],
  {
    shape: broadcastShape,
    fold: foldElementwise(numeric((a, b) => a ** b)),
  },
);

function sumToX(ctx: RuleContext, g: string): string {
  return ctx.sumToShape(g, ctx.symbolicShape(ctx.O(0)), ctx.symbolicShape(ctx.I(0)));
}

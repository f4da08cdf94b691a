import type { GradientRule, RuleContext } from '../rule.js';
import { dimArithmetic } from '../shapes/dims.js';
import { broadcastShape, foldElementwise } from '../shapes/functions.js';

/**
 * Variadic elementwise Max or Min. The gradient goes to the inputs equal to Y, split evenly
 * among ties (PyTorch's maximum/minimum give each of two tied inputs half): dXᵢ = dY·mᵢ/Σⱼmⱼ
 * with mᵢ = [Xᵢ = Y], each summed back to Xᵢ's shape.
 */
export function extremum(opType: 'Max' | 'Min'): GradientRule {
  const pick = opType === 'Max' ? Math.max : Math.min;
  return {
    opType,
    shape: broadcastShape,
    fold: foldElementwise((xs) =>
      xs.reduce((a, b) =>
        typeof a === 'number' && typeof b === 'number'
          ? pick(a, b)
          : dimArithmetic(opType === 'Max' ? 'max' : 'min', a, b),
      ),
    ),
    build(ctx) {
      const dY = ctx.GO(0);
      if (!dY) return;
      const inputs = ctx.node.input.map((_, i) => i).filter((i) => ctx.I(i));
      if (inputs.length === 1) {
        if (ctx.needsGI(0)) ctx.setGI(0, dY);
        return;
      }
      const y = ctx.symbolicShape(ctx.O(0));
      const masks = inputs.map((i) => tiedWithOutput(ctx, ctx.I(i), opType));
      const count = masks.reduce((a, b) => ctx.op('Add', [a, b]));
      const share = ctx.op('Div', [dY, count]);
      inputs.forEach((i, k) => {
        if (!ctx.needsGI(i)) return;
        const g = ctx.op('Mul', [share, masks[k]!]);
        ctx.setGI(i, ctx.sumToShape(g, y, ctx.symbolicShape(ctx.I(i))));
      });
    },
  };
}

/** [x = Y] as a float mask; before opset 11 (no float Equal) ¬(x < Y) for Max, ¬(x > Y) for Min. */
function tiedWithOutput(ctx: RuleContext, x: string, opType: 'Max' | 'Min'): string {
  const y = ctx.O(0);
  const eq =
    ctx.opset >= 11
      ? ctx.op('Equal', [x, y])
      : ctx.op('Not', [ctx.op(opType === 'Max' ? 'Less' : 'Greater', [x, y])]);
  return ctx.floatMask(eq);
}

import type { GradientRule, ShapeContext } from '../rule.js';
import type { Shape } from '../shapes/dims.js';
import { foldReshaped } from '../shapes/functions.js';

/**
 * A rule for ops that only change the shape: dX = reshape(dY, shape(X)). `outShape` is the op's
 * output shape; known values are carried through (shape arithmetic often reshapes).
 */
export function reshapeLike(
  opType: string,
  outShape: (ctx: ShapeContext, x: Shape) => Shape | undefined,
  nonDifferentiable: readonly number[] = [1],
): GradientRule {
  const shape = (ctx: ShapeContext) => {
    const x = ctx.input(0);
    return [x ? outShape(ctx, x) : undefined];
  };
  return {
    opType,
    nonDifferentiable,
    shape,
    fold: (ctx) => foldReshaped(ctx, shape(ctx)[0]),
    build(ctx) {
      const dY = ctx.GO(0);
      if (!dY || !ctx.needsGI(0)) return;
      const s = ctx.symbolicShape(ctx.I(0));
      const free = s.filter((d) => typeof d !== 'number').length;
      // One free dim (a batch) is left for Reshape to infer (-1); more need a runtime shape.
      const dims = free <= 1 ? s.map((d) => (typeof d === 'number' ? d : -1)) : undefined;
      ctx.setGI(
        0,
        dims ? ctx.reshape(dY, dims) : ctx.op('Reshape', [dY, ctx.op('Shape', [ctx.I(0)])]),
      );
    },
  };
}

/** Axes from the `axes` attribute or the constant input 1 (`[]` when neither exists). */
export function axesInput(ctx: ShapeContext): number[] | undefined {
  const attr = ctx.ints('axes');
  if (attr) return attr;
  if (!ctx.node.input[1]) return [];
  const v = ctx.constant(1);
  return v ? [...v.values] : undefined;
}

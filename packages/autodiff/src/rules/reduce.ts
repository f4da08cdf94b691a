import type { GradientRule, RuleContext } from '../rule.js';
import { normAxis, product } from '../shapes/dims.js';
import { foldReduce, reduceShape } from '../shapes/functions.js';

/**
 * The axes a Reduce* node reduces, normalized and sorted (every axis when none are given), or
 * `undefined` when it reduces nothing (empty axes with `noop_with_empty_axes`). Axes come from the
 * attribute (older opsets) or the constant input 1.
 */
export function reducedAxes(ctx: RuleContext): number[] | undefined {
  const rank = ctx.symbolicShape(ctx.I(0)).length;
  let axes = ctx.ints('axes');
  if (!axes && ctx.I(1)) {
    const v = ctx.constValue(ctx.I(1));
    if (!v) return ctx.unsupported(`the axes ('${ctx.I(1)}') must be constant`);
    axes = [...v.values];
  }
  if (!axes || axes.length === 0) {
    if (ctx.int('noop_with_empty_axes', 0) === 1) return undefined;
    return Array.from({ length: rank }, (_, i) => i);
  }
  return [...new Set(axes.map((a) => normAxis(a, rank)))].sort((p, q) => p - q);
}

/** A reduced tensor (dY or Y) with size-1 axes where it was reduced, so it broadcasts against X. */
export function kept(ctx: RuleContext, t: string, axes: readonly number[]): string {
  const rank = ctx.symbolicShape(ctx.I(0)).length;
  return ctx.int('keepdims', 1) === 1 || rank === 0 ? t : ctx.unsqueeze(t, axes);
}

/**
 * A Reduce* rule: `grad` returns dX from dY and Y, both kept to X's rank (see {@link kept}),
 * and the reduced axes. A reduction over nothing passes dY through.
 */
export function reduction(
  opType: string,
  grad: (ctx: RuleContext, dY: string, y: string, axes: readonly number[]) => string,
  fold?: (xs: readonly number[]) => number,
): GradientRule {
  return {
    opType,
    nonDifferentiable: [1],
    shape: reduceShape,
    ...(fold ? { fold: foldReduce(fold) } : {}),
    build(ctx) {
      const dY = ctx.GO(0);
      if (!dY || !ctx.needsGI(0)) return;
      const axes = reducedAxes(ctx);
      if (!axes) return ctx.setGI(0, dY);
      ctx.setGI(0, grad(ctx, kept(ctx, dY, axes), kept(ctx, ctx.O(0), axes), axes));
    },
  };
}

/**
 * A rule for ReduceSum-like ops whose gradient spreads dY evenly over the reduced axes:
 * dX = broadcast(dY) · factor(n), with n the number of reduced elements.
 */
export function reduceRule(
  opType: string,
  factor: (n: number) => number,
  fold: (xs: readonly number[]) => number,
): GradientRule {
  return reduction(
    opType,
    (ctx, dY, _y, axes) => {
      const xs = ctx.symbolicShape(ctx.I(0));
      const dims = axes.map((a) => xs[a]);
      if (!dims.every((d) => typeof d === 'number')) ctx.shape(ctx.I(0));
      const n = product(dims as number[]);
      // dY has size 1 on the reduced axes; a constant with X's extent there broadcasts it.
      const shape = xs.map((d, i) => (axes.includes(i) ? (d as number) : 1));
      return ctx.op('Mul', [dY, ctx.constFloat(new Float32Array(n).fill(factor(n)), shape)]);
    },
    fold,
  );
}

/** The axes Softmax and LogSoftmax normalize over: `axis` (opset ≥ 13) or all from `axis` on. */
export function softmaxAxes(ctx: RuleContext): number[] {
  const rank = ctx.symbolicShape(ctx.I(0)).length;
  const axis = normAxis(ctx.int('axis', ctx.opset >= 13 ? -1 : 1), rank);
  return ctx.opset >= 13 ? [axis] : Array.from({ length: rank - axis }, (_, i) => axis + i);
}

/**
 * ReduceMax or ReduceMin: dX = dY·m/Σm with m = [X = Y] over the reduced axes, the gradient
 * shared evenly among tied extremes. Floats compare with Equal from opset 11; before, X ≤ Y
 * (ReduceMax) makes X = Y ⟺ ¬(X < Y).
 */
export function extremeOf(
  opType: 'ReduceMax' | 'ReduceMin',
  pick: (...xs: number[]) => number,
): GradientRule {
  return reduction(
    opType,
    (ctx, dY, y, axes) => {
      const x = ctx.I(0);
      const tied =
        ctx.opset >= 11
          ? ctx.op('Equal', [x, y])
          : ctx.op('Not', [ctx.op(opType === 'ReduceMax' ? 'Less' : 'Greater', [x, y])]);
      const mask = ctx.floatMask(tied);
      const count = ctx.reduceSum(mask, axes, true);
      return ctx.op('Mul', [ctx.op('Div', [dY, count]), mask]);
    },
    (xs) => pick(...xs),
  );
}

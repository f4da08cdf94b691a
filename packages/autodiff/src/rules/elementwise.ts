import { DataType } from '../onnx.js';
import type { GradientRule, RuleContext } from '../rule.js';
import { sameShape } from '../shapes/functions.js';

/**
 * A rule for an op with one differentiable input (input 0) and one output: `grad` returns dX
 * for the incoming dY, or `undefined` when the gradient is identically zero.
 */
export function unaryRule(
  opType: string,
  grad: (ctx: RuleContext, dY: string) => string | undefined,
  nonDifferentiable: readonly number[] = [],
  extra: Omit<Partial<GradientRule>, 'opType' | 'build'> = {},
): GradientRule {
  return {
    opType,
    nonDifferentiable,
    shape: sameShape,
    ...extra,
    build(ctx) {
      const dY = ctx.GO(0);
      if (!dY || !ctx.needsGI(0)) return;
      const g = grad(ctx, dY);
      if (g) ctx.setGI(0, g);
    },
  };
}

/** A float scalar constant. */
export function scalar(ctx: RuleContext, value: number): string {
  return ctx.constFloat([value], []);
}

/**
 * `mask ? a : b` elementwise with broadcasting: Where from opset 9, before that
 * a·m + b·(1 − m) with m = Cast(mask) (exact, since m is 0 or 1).
 */
export function where(ctx: RuleContext, mask: string, a: string, b: string): string {
  if (ctx.opset >= 9) return ctx.op('Where', [mask, a, b]);
  const m = ctx.op('Cast', [mask], { to: { int: DataType.FLOAT } });
  const notM = ctx.op('Sub', [scalar(ctx, 1), m]);
  return ctx.op('Add', [ctx.op('Mul', [a, m]), ctx.op('Mul', [b, notM])]);
}

/**
 * Zeros shaped like tensor `name`: Expand of a scalar 0 to the static shape (opset ≥ 8), or to
 * the runtime shape when some dims are free; a constant before opset 8.
 */
export function zerosLike(ctx: RuleContext, name: string): string {
  const s = ctx.symbolicShape(name);
  const isStatic = s.every((d) => typeof d === 'number');
  if (ctx.opset >= 8) {
    const shape = isStatic ? ctx.constInt64(s as number[]) : ctx.op('Shape', [name]);
    return ctx.op('Expand', [scalar(ctx, 0), shape]);
  }
  const dims = ctx.shape(name);
  return ctx.constFloat(new Float32Array(dims.reduce((p, q) => p * q, 1)), dims);
}

export { normAxis } from '../shapes/dims.js';

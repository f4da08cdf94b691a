import type { RuleContext } from '../rule.js';
import type { Shape } from '../shapes/dims.js';

/** Where a Relu-like unit's input lies outside its active range (for the `redirected` mode). */
export interface InactiveRegions {
  /** Boolean: the input is below the lower bound (Relu: `X < 0`). */
  readonly below?: () => string;
  /** Boolean: the input is above the upper bound (ReLU6: `X > 6`). */
  readonly above?: () => string;
}

/** A Relu-like unit's output and its numeric bounds (Relu: lo = 0), for {@link convMask}. */
export interface ActiveRange {
  readonly output: string;
  readonly lo?: number;
  readonly hi?: number;
}

/** Scale of the mask convolutions: the mask is exact unless the output is within 2⁻¹⁰⁰ of a bound. */
const MASK_EXPONENT = 100;
const MASK_SCALE = 2 ** MASK_EXPONENT;
/** The largest finite float32. */
const FLOAT_MAX = 3.4028234663852886e38;

/** The float32 just below `x` (a finite float32). */
function below(x: number): number {
  if (x === 0) return -(2 ** -149);
  const f = new Float32Array([x]);
  const bits = new Int32Array(f.buffer);
  bits[0]! += x > 0 ? -1 : 1;
  return f[0]!;
}

/**
 * The float mask (1 where lo < Y < hi, 0 elsewhere) of a Relu-like unit from its output Y, as
 * 1×1 depthwise Conv nodes with fused activations, which onnxruntime's CPU provider runs as NCHWc
 * convolutions (see `NATIVE_GRADIENT_TUNING` in @fv/runtime):
 * - one bound: Clip(2¹⁰⁰·(Y − lo), 0, 1), or Clip(2¹⁰⁰·(hi − Y), 0, 1);
 * - both bounds: HardSigmoid₁,₀(2¹⁰⁰·(Y − lo) + P), with P = Clip(2ᶠ·(hi⁻ − Y), −max, 0),
 *   hi⁻ the float32 just below hi and 2ᶠ·(hi − hi⁻) ≥ 2·2¹⁰⁰·fl(hi − lo) > 2¹⁰⁰·(hi − lo): P is
 *   0 below hi and outweighs the first term at hi, whether the bias is added before or after P. onnxruntime folds the Add into the first convolution (its "Sum"
 *   input) and HardSigmoid (= Clip(·, 0, 1) with alpha 1, beta 0) into it as its activation, so
 *   the mask costs two convolutions and no Mul (Clip after a Sum is not fused; HardSigmoid is).
 *   Where 2ᶠ would overflow, the product of the two one-bound masks.
 * Scaling by a power of two is exact and a rounded sum keeps its sign and its zero, so the mask
 * is exactly 0 at or beyond a bound and exactly 1 from 2⁻¹⁰⁰ inside (inf clips to 1); P is exact
 * at hi (hi⁻ − hi is a float32). Y lies in [lo, hi], so lo < Y < hi ⇔ lo < X < hi. Undefined when
 * Y is not N×C×H×W with a static C, the opset has no usable Clip, or a bound is too large to
 * scale.
 */
function convMask(ctx: RuleContext, range: ActiveRange): string | undefined {
  let shape: Shape;
  try {
    shape = ctx.symbolicShape(range.output);
  } catch {
    return undefined; // shape unknown: the comparison mask needs none
  }
  const c = shape[1];
  if (shape.length !== 4 || typeof c !== 'number' || ctx.opset < 6) return undefined;
  const bounds = [range.lo, range.hi].filter((b) => b !== undefined);
  if (bounds.length === 0 || bounds.some((b) => !(Math.abs(b) < 2 ** 27))) return undefined;
  /** 1×1 depthwise Conv: scale·Y + shift, per channel. */
  const affine = (scale: number, shift: number): string => {
    const w = ctx.constFloat(new Float32Array(c).fill(scale), [c, 1, 1, 1]);
    const b = ctx.constFloat(new Float32Array(c).fill(shift), [c]);
    return ctx.op('Conv', [range.output, w, b], {
      kernel_shape: { ints: [1, 1] },
      group: { int: c },
    });
  };
  const clip = (x: string, min: number, max: number): string =>
    ctx.opset >= 11
      ? ctx.op('Clip', [x, ctx.constFloat([min], []), ctx.constFloat([max], [])])
      : ctx.op('Clip', [x], { min: { float: min }, max: { float: max } });
  const { lo, hi } = range;
  if (lo !== undefined && hi !== undefined && lo < hi) {
    const hiBelow = below(hi);
    // The first term at Y = hi, as float32 computes it: 2¹⁰⁰·fl(hi − lo); P(hi) = −2ᶠ·(hi − hi⁻).
    const span = Math.fround(hi - lo);
    let f = MASK_EXPONENT + Math.ceil(Math.log2(span / (hi - hiBelow)));
    if (2 ** f * (hi - hiBelow) < MASK_SCALE * span) f += 1;
    // One more: a fused kernel may form the sum as (2¹⁰⁰·Y + P) − 2¹⁰⁰·lo (onnxruntime adds its
    // "Sum" input before the bias), where P(hi) must outweigh the exact span, not its float32
    // rounding (fl(hi − lo) < hi − lo when the span is not a float32: Clip(−1e-8, 1)).
    f += 1;
    // Weights and bias finite (a product that overflows is ±inf, which the clip handles).
    if (f <= 127 && 2 ** f * Math.abs(hiBelow) < FLOAT_MAX) {
      const penalty = clip(affine(-(2 ** f), 2 ** f * hiBelow), -FLOAT_MAX, 0);
      const sum = ctx.op('Add', [affine(MASK_SCALE, -MASK_SCALE * lo), penalty]);
      return ctx.op('HardSigmoid', [sum], { alpha: { float: 1 }, beta: { float: 0 } });
    }
  }
  const factors = [
    ...(lo !== undefined ? [clip(affine(MASK_SCALE, -MASK_SCALE * lo), 0, 1)] : []),
    ...(hi !== undefined ? [clip(affine(-MASK_SCALE, MASK_SCALE * hi), 0, 1)] : []),
  ];
  return factors.length === 1 ? factors[0] : ctx.op('Mul', factors);
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
  range?: ActiveRange,
): string {
  switch (ctx.relu) {
    case 'guided':
      return ctx.select(mask(), ctx.op('Relu', [dY]));
    case 'deconvnet':
      return ctx.op('Relu', [dY]);
    case 'redirected':
      return redirected(ctx, dY, ctx.select(mask(), dY), inactive);
    default: {
      const m = ctx.convMasks && range ? convMask(ctx, range) : undefined;
      return m ? ctx.op('Mul', [dY, m]) : ctx.select(mask(), dY);
    }
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

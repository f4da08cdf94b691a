// The input gradient of a 2-D (or N-D) convolution, shared by Conv and ConvInteger.
import { floatValues } from '../onnx.js';
import type { RuleContext } from '../rule.js';
import { windowGeometry } from '../shapes/functions.js';

/**
 * For stride 1, dX = conv(dY, W') with W' the spatially flipped, in/out-transposed weights and
 * pads d·(k−1) − pad on each side. Returns undefined when that does not apply (strides, pads
 * larger than the dilated kernel, weights not a plain float initializer).
 */
function flippedWeightConv(
  ctx: RuleContext,
  dY: string,
  w: readonly number[],
  kernel: readonly number[],
  geo: { pads: number[]; strides: number[]; dilations: number[] },
  group: number,
): string | undefined {
  if (kernel.length !== 2 || geo.strides.some((s) => s !== 1)) return undefined;
  const weights = ctx.index.initializers.get(ctx.I(1));
  if (weights?.dataType !== 1) return undefined;
  const nsp = 2;
  const pads = geo.pads.map((p, i) => geo.dilations[i % nsp]! * (kernel[i % nsp]! - 1) - p);
  if (pads.some((p) => p < 0)) return undefined;
  const values = floatValues(weights);
  const [m, cg, kh, kw] = w as [number, number, number, number];
  const mg = m / group;
  // W'[g·cg + c, j, a, b] = W[g·mg + j, c, kh−1−a, kw−1−b]; shape (cg·group, mg, kh, kw).
  const out = new Float32Array(values.length);
  for (let g = 0; g < group; g++)
    for (let j = 0; j < mg; j++)
      for (let c = 0; c < cg; c++)
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            const src = (((g * mg + j) * cg + c) * kh + (kh - 1 - a)) * kw + (kw - 1 - b);
            const dst = (((g * cg + c) * mg + j) * kh + a) * kw + b;
            out[dst] = values[src]!;
          }
  const name = ctx.addInitializer(out, [cg * group, mg, kh, kw]);
  return ctx.op('Conv', [dY, name], {
    kernel_shape: { ints: kernel },
    dilations: { ints: geo.dilations },
    pads: { ints: pads },
    group: { int: group },
  });
}

/**
 * dX of Y = conv(X, W) for the Conv-shaped node in `ctx` with weights `weights` (input 1 itself,
 * or a float tensor computed from it) of static shape `w`: a ConvTranspose of dY with the same
 * geometry (see Conv).
 */
export function convInputGradient(
  ctx: RuleContext,
  dY: string,
  weights: string,
  w: readonly number[],
): string {
  const x = [1, ...ctx.shapeAfterBatch(ctx.I(0))];
  const kernel = ctx.ints('kernel_shape') ?? w.slice(2);
  const geo = windowGeometry(ctx, x, kernel);
  const nsp = kernel.length;
  const outputPadding = kernel.map((k, i) => {
    const covered =
      geo.strides[i]! * (geo.out[i]! - 1) +
      geo.dilations[i]! * (k - 1) +
      1 -
      geo.pads[i]! -
      geo.pads[i + nsp]!;
    return x[i + 2]! - covered;
  });
  if (outputPadding.some((p, i) => p < 0 || p >= Math.max(geo.strides[i]!, geo.dilations[i]!))) {
    ctx.unsupported(
      `cannot express the input gradient with output_padding [${outputPadding.join(', ')}]`,
    );
  }
  const group = ctx.int('group', 1);
  const flipped =
    ctx.precomputeWeights &&
    weights === ctx.I(1) &&
    flippedWeightConv(ctx, dY, w, kernel, geo, group);
  if (flipped) {
    return flipped;
  }
  const attrs = {
    kernel_shape: { ints: kernel },
    strides: { ints: geo.strides },
    dilations: { ints: geo.dilations },
    pads: { ints: geo.pads },
    group: { int: group },
    ...(outputPadding.some((p) => p !== 0) ? { output_padding: { ints: outputPadding } } : {}),
  };
  const perGroup = w[0]! / group;
  if (group > 1 && w[1] === 1 && perGroup > 1) {
    // A depthwise conv with a channel multiplier: onnxruntime-web 1.30's WebGPU ConvTranspose
    // is wrong for group > 1 with one output channel per group and several inputs per group.
    // Run it depthwise instead (group = M, the same weights) and sum each group's outputs.
    const each = ctx.op('ConvTranspose', [dY, weights], { ...attrs, group: { int: w[0]! } });
    const split = ctx.reshape(each, [-1, group, perGroup, ...x.slice(2)]);
    return ctx.reduceSum(split, [2], false);
  }
  return ctx.op('ConvTranspose', [dY, weights], attrs);
}

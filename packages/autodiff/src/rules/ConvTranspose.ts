import type { GradientRule } from '../rule.js';
import { isStatic } from '../shapes/dims.js';

/**
 * Y = convTranspose(X, W) + B, W of shape (C_in, C_out/group, k…). ConvTranspose is the adjoint
 * of Conv, so dX = Conv(dY, W) with the same strides, dilations, group and the effective pads;
 * the Conv output is cropped to X when output_padding or output_shape made Y longer than a
 * stride covers. Effective pads follow the ONNX spec (and onnxruntime): explicit `pads`, or,
 * with output_shape or auto_pad SAME_*, the total padding split in half with the odd element at
 * the end for SAME_UPPER and at the start otherwise. W and B are weights and get no gradient.
 */
export const ConvTranspose: GradientRule = {
  opType: 'ConvTranspose',
  shape(ctx) {
    const x = ctx.input(0);
    const w = ctx.input(1);
    if (!x || !isStatic(w)) return [];
    const kernel = ctx.ints('kernel_shape') ?? w.slice(2);
    const outC = w[1]! * ctx.int('group', 1);
    const explicit = ctx.ints('output_shape');
    if (explicit) return [[x[0]!, outC, ...explicit.slice(-kernel.length)]];
    const sp = x.slice(2);
    if (!isStatic(sp)) return [[x[0]!, outC, ...sp.map((_, i) => ctx.unknown(0, i + 2))]];
    const strides = ctx.ints('strides') ?? kernel.map(() => 1);
    const dil = ctx.ints('dilations') ?? kernel.map(() => 1);
    const pads = ctx.ints('pads') ?? [...kernel, ...kernel].map(() => 0);
    const opad = ctx.ints('output_padding') ?? kernel.map(() => 0);
    const same = ctx.string('auto_pad', 'NOTSET').startsWith('SAME');
    const out = (sp as readonly number[]).map((d, i) =>
      same
        ? d * strides[i]!
        : strides[i]! * (d - 1) +
          opad[i]! +
          dil[i]! * (kernel[i]! - 1) +
          1 -
          pads[i]! -
          pads[i + kernel.length]!,
    );
    return [[x[0]!, outC, ...out]];
  },
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    if (ctx.needsGI(1))
      ctx.unsupported(
        'the gradient with respect to the weights is not supported (weights must be constant)',
      );
    // Channels and spatial dims must be static; a free batch dim is fine.
    const x = [1, ...ctx.shapeAfterBatch(ctx.I(0))];
    const w = ctx.shape(ctx.I(1));
    const y = [1, ...ctx.shapeAfterBatch(ctx.O(0))];
    const kernel = ctx.ints('kernel_shape') ?? w.slice(2);
    const nsp = kernel.length;
    const strides = ctx.ints('strides') ?? kernel.map(() => 1);
    const dilations = ctx.ints('dilations') ?? kernel.map(() => 1);
    const outputPadding = ctx.ints('output_padding') ?? kernel.map(() => 0);
    const autoPad = ctx.string('auto_pad', 'NOTSET');
    const explicitShape = ctx.ints('output_shape');
    let pads = ctx.ints('pads') ?? new Array<number>(2 * nsp).fill(0);
    if (explicitShape || autoPad !== 'NOTSET') {
      pads = new Array<number>(2 * nsp).fill(0);
      for (let i = 0; i < nsp; i++) {
        if (autoPad === 'VALID' && !explicitShape) continue;
        const natural =
          strides[i]! * (x[i + 2]! - 1) + outputPadding[i]! + dilations[i]! * (kernel[i]! - 1) + 1;
        const total = Math.max(0, natural - y[i + 2]!);
        const head =
          autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
        pads[i] = head;
        pads[i + nsp] = total - head;
      }
    }
    let dx = ctx.op('Conv', [dY, ctx.I(1)], {
      kernel_shape: { ints: kernel },
      strides: { ints: strides },
      dilations: { ints: dilations },
      pads: { ints: pads },
      group: { int: ctx.int('group', 1) },
    });
    // Conv of the (possibly longer) Y gives ⌊(Y + pads − d(k−1) − 1)/s⌋ + 1 ≥ X positions.
    const produced = kernel.map(
      (k, i) =>
        Math.floor(
          (y[i + 2]! + pads[i]! + pads[i + nsp]! - dilations[i]! * (k - 1) - 1) / strides[i]!,
        ) + 1,
    );
    const crop = produced.flatMap((p, i) => (p > x[i + 2]! ? [i + 2] : []));
    if (crop.length) {
      dx = ctx.slice(
        dx,
        crop.map(() => 0),
        crop.map((a) => x[a]!),
        crop,
      );
    }
    if (produced.some((p, i) => p < x[i + 2]!))
      ctx.unsupported('the transposed convolution does not cover its input');
    ctx.setGI(0, dx);
  },
};

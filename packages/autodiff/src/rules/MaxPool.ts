import type { GradientRule } from '../rule.js';
import { pool2d, poolShape, scatterWindows } from './pool-geometry.js';

const LOWEST = -3.4028234663852886e38;

/**
 * Exact MaxPool gradient, as PyTorch defines it: each window's gradient goes to the first
 * maximal element in row-major window order. Built from masks, not from the Indices output
 * (which fails on WebGPU): for each window offset k, Sₖ is X seen at that offset for every
 * window (a strided Slice of the −∞-padded input), eₖ = [Sₖ = Y], and the first-match mask
 * mₖ = eₖ·(1 − Σⱼ₍ⱼ<ₖ₎ mⱼ). The K gradients mₖ·dY are scattered back by one ConvTranspose with a
 * one-hot kernel. Handles overlapping windows, padding, dilations and ceil_mode.
 */
export const MaxPool: GradientRule = {
  opType: 'MaxPool',
  nonDifferentiableOutputs: [1],
  shape: poolShape,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    if (ctx.int('storage_order', 0) !== 0 && ctx.O(1))
      ctx.unsupported('storage_order=1 is not supported');
    const p = pool2d(ctx);
    const [kh, kw] = p.kernel;
    const K = kh * kw;
    const [ho, wo] = p.out;
    // Flatten N and C so that one-hot kernels do not depend on the channel count.
    const x = ctx.reshape(ctx.I(0), [-1, 1, p.h, p.w]);
    const y = ctx.reshape(ctx.O(0), [-1, 1, ho, wo]);
    const g = ctx.reshape(dY, [-1, 1, ho, wo]);
    const extra = [0, 1].map((i) =>
      Math.max(0, p.reach[i]! - (p.pads[i]! + [p.h, p.w][i]! + p.pads[i + 2]!)),
    );
    const padEnd = [p.pads[2]! + extra[0]!, p.pads[3]! + extra[1]!];
    const xp =
      p.pads[0] || p.pads[1] || padEnd[0] || padEnd[1]
        ? ctx.pad(x, [0, 0, p.pads[0]!, p.pads[1]!, 0, 0, padEnd[0]!, padEnd[1]!], LOWEST)
        : x;
    const useSlice = ctx.opset >= 10 || (p.strides[0] === 1 && p.strides[1] === 1);
    const parts: string[] = [];
    let taken: string | undefined;
    const one = ctx.constFloat([1], []);
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const s0 = a * p.dilations[0]!;
        const s1 = b * p.dilations[1]!;
        let shifted: string;
        if (useSlice) {
          shifted = ctx.slice(
            xp,
            [s0, s1],
            [s0 + (ho - 1) * p.strides[0]! + 1, s1 + (wo - 1) * p.strides[1]! + 1],
            [2, 3],
            p.strides,
          );
        } else {
          const hot = new Float32Array(kh * kw);
          hot[a * kw + b] = 1;
          shifted = ctx.op('Conv', [xp, ctx.constFloat(hot, [1, 1, kh, kw])], {
            kernel_shape: { ints: [kh, kw] },
            strides: { ints: p.strides },
            dilations: { ints: p.dilations },
          });
        }
        // Sₖ ≤ Y always, so Sₖ = Y ⟺ ¬(Sₖ < Y); Equal on floats needs opset 11.
        const e =
          ctx.opset >= 11
            ? ctx.floatMask(ctx.op('Equal', [shifted, y]))
            : ctx.op('Sub', [one, ctx.floatMask(ctx.op('Less', [shifted, y]))]);
        let m: string;
        if (!taken) {
          m = e;
          taken = e;
        } else {
          m = ctx.op('Mul', [e, ctx.op('Sub', [one, taken])]);
          if (a * kw + b < K - 1) taken = ctx.op('Add', [taken, m]);
        }
        parts.push(ctx.op('Mul', [m, g]));
      }
    }
    const stacked = parts.length === 1 ? parts[0]! : ctx.op('Concat', parts, { axis: { int: 1 } });
    const hotKernel = new Float32Array(K * K);
    for (let k = 0; k < K; k++) hotKernel[k * K + k] = 1;
    const weights = ctx.constFloat(hotKernel, [K, 1, kh, kw]);
    ctx.setGI(0, scatterWindows(ctx, p, stacked, weights));
  },
};

import type { GradientRule, RuleContext } from '../rule.js';
import { sameShape } from '../shapes/functions.js';
import { scalar } from './elementwise.js';

/**
 * Local response normalization across channels: Y = X · S^(−β) with
 * S = bias + (α/size) · Σ X² over the channel window [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉].
 * dX = dY · S^(−β) − (2αβ/size) · X · Σ' (dY · Y / S), where Σ' sums over the channels whose
 * window contains c (the mirrored window). Channel-window sums are a Conv with a ones kernel
 * (size × 1) over X reshaped to (N, 1, C, spatial), since LRN itself runs on the CPU under
 * onnxruntime-web's WebGPU provider.
 */
export const LRN: GradientRule = {
  opType: 'LRN',
  shape: sameShape,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const xs = ctx.symbolicShape(ctx.I(0));
    if (xs.length < 3) ctx.unsupported(`expected an input of rank ≥ 3, got ${xs.length}`);
    const rest = xs.slice(1);
    if (!rest.every((d) => typeof d === 'number')) ctx.shape(ctx.I(0));
    const [c, ...spatial] = rest as number[];
    const plane = spatial.reduce((p, q) => p * q, 1);
    const size = ctx.int('size', 0);
    if (size < 1) ctx.unsupported('the size attribute is missing');
    const alpha = ctx.float('alpha', 1e-4);
    const beta = ctx.float('beta', 0.75);
    const bias = ctx.float('bias', 1);
    const lo = Math.floor((size - 1) / 2);
    const hi = size - 1 - lo;
    const x = ctx.I(0);
    const back = [-1, c!, ...spatial];
    const ones = ctx.constFloat(new Float32Array(size).fill(1), [1, 1, size, 1]);
    const windowSum = (t: string, before: number, after: number): string =>
      ctx.reshape(
        ctx.op('Conv', [ctx.reshape(t, [-1, 1, c!, plane]), ones], {
          kernel_shape: { ints: [size, 1] },
          pads: { ints: [before, 0, after, 0] },
        }),
        back,
      );
    const s = ctx.op('Add', [
      ctx.op('Mul', [windowSum(ctx.op('Mul', [x, x]), lo, hi), scalar(ctx, alpha / size)]),
      scalar(ctx, bias),
    ]);
    const term1 = ctx.op('Mul', [dY, power(ctx, s, -beta)]);
    const q = ctx.op('Div', [ctx.op('Mul', [dY, ctx.O(0)]), s]);
    const spread = windowSum(q, hi, lo);
    const term2 = ctx.op('Mul', [
      ctx.op('Mul', [x, spread]),
      scalar(ctx, (2 * alpha * beta) / size),
    ]);
    ctx.setGI(0, ctx.op('Sub', [term1, term2]));
  },
};

/** s^e for positive s: Pow from opset 7, e^(e·log s) before. */
function power(ctx: RuleContext, s: string, e: number): string {
  if (ctx.opset >= 7) return ctx.op('Pow', [s, scalar(ctx, e)]);
  return ctx.op('Exp', [ctx.op('Mul', [ctx.op('Log', [s]), scalar(ctx, e)])]);
}

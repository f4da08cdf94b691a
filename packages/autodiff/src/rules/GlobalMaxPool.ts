import type { GradientRule } from '../rule.js';
import { scalar } from './elementwise.js';
import { globalPoolShape } from './pool-geometry.js';

/**
 * Y = max of X over all spatial positions. dX = dY at the first maximal position (row-major),
 * 0 elsewhere, as PyTorch's adaptive_max_pool backward. All in floats (onnxruntime-web's WebGPU
 * provider cannot cast ArgMax's int64 index): over the flattened positions i = 0…S−1, the tied
 * positions t = [X = Y] give candidates S − t·(S − i) (i where tied, S elsewhere); their ReduceMin
 * is the first maximum's index k, and Relu(1 − |i − k|) its exact one-hot mask.
 */
export const GlobalMaxPool: GradientRule = {
  opType: 'GlobalMaxPool',
  shape: globalPoolShape,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const xs = ctx.symbolicShape(ctx.I(0));
    const rest = xs.slice(1);
    if (!rest.every((d) => typeof d === 'number')) ctx.shape(ctx.I(0));
    const spatial = xs.slice(2) as number[];
    const size = spatial.reduce((p, q) => p * q, 1);
    // Reshape's 0 copies the batch and channel dims, whatever they are.
    const flat = ctx.reshape(ctx.I(0), [0, 0, size]);
    const max = ctx.reshape(ctx.O(0), [0, 0, 1]);
    const toFloat = (b: string) => ctx.floatMask(b);
    // Floats compare with Equal from opset 11; before, X ≤ Y everywhere, so X = Y ⟺ ¬(X < Y).
    const tied =
      ctx.opset >= 11
        ? toFloat(ctx.op('Equal', [flat, max]))
        : ctx.op('Sub', [scalar(ctx, 1), toFloat(ctx.op('Less', [flat, max]))]);
    const iota = ctx.constFloat(
      Array.from({ length: size }, (_, i) => i),
      [size],
    );
    const candidates = ctx.op('Sub', [
      scalar(ctx, size),
      ctx.op('Mul', [tied, ctx.op('Sub', [scalar(ctx, size), iota])]),
    ]);
    const first =
      ctx.opset >= 18
        ? ctx.op('ReduceMin', [candidates, ctx.constInt64([2])], { keepdims: { int: 1 } })
        : ctx.op('ReduceMin', [candidates], { axes: { ints: [2] }, keepdims: { int: 1 } });
    const distance = ctx.op('Abs', [ctx.op('Sub', [iota, first])]);
    const oneHot = ctx.op('Relu', [ctx.op('Sub', [scalar(ctx, 1), distance])]);
    const g = ctx.op('Mul', [oneHot, ctx.reshape(dY, [0, 0, 1])]);
    ctx.setGI(0, ctx.reshape(g, [0, 0, ...spatial]));
  },
};

import { DataType } from '../onnx.js';
import type { GradientRule } from '../rule.js';
import { scalar } from './elementwise.js';

/**
 * Y = max of X over all spatial positions. dX = dY at the first maximal position (row-major),
 * 0 elsewhere, as PyTorch's adaptive_max_pool backward. The first maximum is ArgMax over the
 * flattened spatial dims (ties go to the first index); its one-hot mask is built in floats as
 * Relu(1 − |iota − index|), exact for integer-valued floats, so no integer comparison is needed.
 */
export const GlobalMaxPool: GradientRule = {
  opType: 'GlobalMaxPool',
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
    const index = ctx.op(
      'Cast',
      [ctx.op('ArgMax', [flat], { axis: { int: 2 }, keepdims: { int: 1 } })],
      {
        to: { int: DataType.FLOAT },
      },
    );
    const iota = ctx.constFloat(
      Array.from({ length: size }, (_, i) => i),
      [size],
    );
    const distance = ctx.op('Abs', [ctx.op('Sub', [iota, index])]);
    const oneHot = ctx.op('Relu', [ctx.op('Sub', [scalar(ctx, 1), distance])]);
    const g = ctx.op('Mul', [oneHot, ctx.reshape(dY, [0, 0, 1])]);
    ctx.setGI(0, ctx.reshape(g, [0, 0, ...spatial]));
  },
};

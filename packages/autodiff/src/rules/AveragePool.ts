import type { GradientRule } from '../rule.js';
import { pool2d, poolShape, scatterWindows } from './pool-geometry.js';

/**
 * Y = window sum / divisor. dX = ConvTranspose(dY / divisor, ones): each window spreads its
 * gradient evenly. The divisor per output position is computed here as onnxruntime does: the
 * window clipped to the input (count_include_pad = 0) or to the padded input (= 1).
 */
export const AveragePool: GradientRule = {
  opType: 'AveragePool',
  shape: poolShape,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const p = pool2d(ctx);
    const includePad = ctx.int('count_include_pad', 0) === 1;
    const [kh, kw] = p.kernel;
    const [ho, wo] = p.out;
    const inv = new Float32Array(ho * wo);
    const span = (o: number, axis: 0 | 1): number => {
      const size = axis === 0 ? p.h : p.w;
      const k = p.kernel[axis];
      const d = p.dilations[axis]!;
      const start = o * p.strides[axis]! - p.pads[axis]!;
      let count = 0;
      for (let t = 0; t < k; t++) {
        const pos = start + t * d;
        const lo = includePad ? -p.pads[axis]! : 0;
        const hi = includePad ? size + p.pads[axis + 2]! : size;
        if (pos >= lo && pos < hi) count++;
      }
      return count;
    };
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++) inv[i * wo + j] = 1 / (span(i, 0) * span(j, 1));
    const scaled = ctx.op('Mul', [
      ctx.reshape(dY, [-1, 1, ho, wo]),
      ctx.constFloat(inv, [1, 1, ho, wo]),
    ]);
    const weights = ctx.constFloat(new Float32Array(kh * kw).fill(1), [1, 1, kh, kw]);
    ctx.setGI(0, scatterWindows(ctx, p, scaled, weights));
  },
};

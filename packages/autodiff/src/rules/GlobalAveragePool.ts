import type { GradientRule } from '../rule.js';
import { globalPoolShape } from './pool-geometry.js';

/** Y = mean of X over all spatial positions. dX = dY / (H·W), broadcast over H×W. */
export const GlobalAveragePool: GradientRule = {
  opType: 'GlobalAveragePool',
  shape: globalPoolShape,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const x = ctx.symbolicShape(ctx.I(0));
    const spatial = x.slice(2);
    if (!spatial.every((d) => typeof d === 'number')) ctx.shapeAfterBatch(ctx.I(0));
    const n = (spatial as number[]).reduce((p, q) => p * q, 1);
    // dY (N, C, 1, 1) · ones(1, 1, H, W)/n broadcasts to X's shape.
    const fill = ctx.constFloat(new Float32Array(n).fill(1 / n), [1, 1, ...(spatial as number[])]);
    ctx.setGI(0, ctx.op('Mul', [dY, fill]));
  },
};

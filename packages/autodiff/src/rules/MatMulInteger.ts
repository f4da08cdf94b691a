import type { GradientRule } from '../rule.js';
import { MatMul } from './MatMul.js';
import { integerOperand } from './quantization.js';

/**
 * Y = (A − a_zp) @ (B − b_zp) in int32, B a constant quantized weight. Gradients are taken with
 * respect to raw integer values (see quantization.ts): dA = dY @ (B − b_zp)ᵀ, with B − b_zp cast
 * to float in the backward graph (Cast from 8-bit integers runs on WebGPU); summed over broadcast
 * batch dims as for MatMul. A gradient with respect to B is refused.
 */
export const MatMulInteger: GradientRule = {
  opType: 'MatMulInteger',
  nonDifferentiable: [2, 3],
  shape: MatMul.shape!,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    if (ctx.needsGI(1))
      ctx.unsupported('a gradient with respect to B (the weights) is not supported');
    const b = integerOperand(ctx, 1, 3, -1);
    const a = ctx.symbolicShape(ctx.I(0));
    const bs = ctx.symbolicShape(ctx.I(1));
    const y = ctx.symbolicShape(ctx.O(0));
    const perm = bs.map((_, i) => i);
    perm[bs.length - 2] = bs.length - 1;
    perm[bs.length - 1] = bs.length - 2;
    const g = ctx.op('MatMul', [dY, ctx.op('Transpose', [b], { perm: { ints: perm } })]);
    ctx.setGI(0, ctx.sumToShape(g, [...y.slice(0, -2), a.at(-2)!, a.at(-1)!], a));
  },
};

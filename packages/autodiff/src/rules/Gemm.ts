import type { GradientRule } from '../rule.js';

/**
 * Y = α·A'·B' + β·C with A' = transA ? Aᵀ : A and B' likewise.
 * dA' = α·dY·B'ᵀ and dB' = α·A'ᵀ·dY, each written as one Gemm; dC = β·dY summed to C's shape.
 */
export const Gemm: GradientRule = {
  opType: 'Gemm',
  shape(ctx) {
    const a = ctx.input(0);
    const b = ctx.input(1);
    if (!a || !b) return [];
    return [[ctx.int('transA', 0) ? a[1]! : a[0]!, ctx.int('transB', 0) ? b[0]! : b[1]!]];
  },
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY) return;
    const alpha = ctx.float('alpha', 1);
    const beta = ctx.float('beta', 1);
    const ta = ctx.int('transA', 0);
    const tb = ctx.int('transB', 0);
    const a = { alpha: { float: alpha } };
    // C is a required input before opset 11: a broadcast scalar 0 stands in for it.
    const noC = ctx.opset < 11 ? [ctx.constFloat([0], [])] : [];
    if (ctx.needsGI(0)) {
      ctx.setGI(
        0,
        ta === 0
          ? ctx.op('Gemm', [dY, ctx.I(1), ...noC], { ...a, transB: { int: tb ? 0 : 1 } })
          : ctx.op('Gemm', [ctx.I(1), dY, ...noC], {
              ...a,
              transA: { int: tb },
              transB: { int: 1 },
            }),
      );
    }
    if (ctx.needsGI(1)) {
      ctx.setGI(
        1,
        tb === 0
          ? ctx.op('Gemm', [ctx.I(0), dY, ...noC], { ...a, transA: { int: ta ? 0 : 1 } })
          : ctx.op('Gemm', [dY, ctx.I(0), ...noC], {
              ...a,
              transA: { int: 1 },
              transB: { int: ta },
            }),
      );
    }
    if (ctx.I(2) && ctx.needsGI(2)) {
      const scaled = beta === 1 ? dY : ctx.op('Mul', [dY, ctx.constFloat([beta], [])]);
      ctx.setGI(
        2,
        ctx.sumToShape(scaled, ctx.symbolicShape(ctx.O(0)), ctx.symbolicShape(ctx.I(2))),
      );
    }
  },
};

// GELU's derivative, shared by Gelu (opset 20) and the com.microsoft Gelu variants of optimized
// exports (FastGelu, BiasGelu).
import type { RuleContext } from '../rule.js';
import { scalar } from './elementwise.js';

/**
 * d/dx of GELU(x) = x·Φ(x) at tensor `x`: Φ(x) + x·φ(x) for the exact form (erf), and for the
 * tanh approximation ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²), t = tanh(√(2/π)(x + 0.044715x³)).
 */
export function geluDerivative(ctx: RuleContext, x: string, approximate: 'none' | 'tanh'): string {
  const x2 = ctx.op('Mul', [x, x]);
  if (approximate === 'tanh') {
    const k = Math.sqrt(2 / Math.PI);
    const c = 0.044715;
    const inner = ctx.op('Mul', [
      ctx.op('Add', [x, ctx.op('Mul', [ctx.op('Mul', [x2, x]), scalar(ctx, c)])]),
      scalar(ctx, k),
    ]);
    const t = ctx.op('Tanh', [inner]);
    const half = ctx.op('Mul', [ctx.op('Add', [t, scalar(ctx, 1)]), scalar(ctx, 0.5)]);
    const sech2 = ctx.op('Sub', [scalar(ctx, 1), ctx.op('Mul', [t, t])]);
    const dInner = ctx.op('Add', [ctx.op('Mul', [x2, scalar(ctx, 3 * c * k)]), scalar(ctx, k)]);
    return ctx.op('Add', [
      half,
      ctx.op('Mul', [ctx.op('Mul', [x, scalar(ctx, 0.5)]), ctx.op('Mul', [sech2, dInner])]),
    ]);
  }
  const cdf = ctx.op('Mul', [
    ctx.op('Add', [ctx.op('Erf', [ctx.op('Mul', [x, scalar(ctx, Math.SQRT1_2)])]), scalar(ctx, 1)]),
    scalar(ctx, 0.5),
  ]);
  const pdf = ctx.op('Mul', [
    ctx.op('Exp', [ctx.op('Mul', [x2, scalar(ctx, -0.5)])]),
    scalar(ctx, 1 / Math.sqrt(2 * Math.PI)),
  ]);
  return ctx.op('Add', [cdf, ctx.op('Mul', [x, pdf])]);
}

import { scalar, unaryRule } from './elementwise.js';

/**
 * Y = X·Φ(X) (opset 20). With approximate = 'none': dX = dY·(Φ(X) + X·φ(X)), where
 * Φ(X) = ½(1 + erf(X/√2)) and φ(X) = e^(−X²/2)/√(2π). With approximate = 'tanh', Y = ½X(1 + t),
 * t = tanh(√(2/π)(X + 0.044715X³)): dX = dY·(½(1 + t) + ½X(1 − t²)·√(2/π)(1 + 3·0.044715X²)).
 */
export const Gelu = unaryRule('Gelu', (ctx, dY) => {
  const x = ctx.I(0);
  const x2 = ctx.op('Mul', [x, x]);
  const approximate = ctx.string('approximate', 'none');
  let local: string;
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
    local = ctx.op('Add', [
      half,
      ctx.op('Mul', [ctx.op('Mul', [x, scalar(ctx, 0.5)]), ctx.op('Mul', [sech2, dInner])]),
    ]);
  } else if (approximate === 'none') {
    const cdf = ctx.op('Mul', [
      ctx.op('Add', [
        ctx.op('Erf', [ctx.op('Mul', [x, scalar(ctx, Math.SQRT1_2)])]),
        scalar(ctx, 1),
      ]),
      scalar(ctx, 0.5),
    ]);
    const pdf = ctx.op('Mul', [
      ctx.op('Exp', [ctx.op('Mul', [x2, scalar(ctx, -0.5)])]),
      scalar(ctx, 1 / Math.sqrt(2 * Math.PI)),
    ]);
    local = ctx.op('Add', [cdf, ctx.op('Mul', [x, pdf])]);
  } else {
    return ctx.unsupported(`approximate = '${approximate}' is not a Gelu mode`);
  }
  return ctx.op('Mul', [dY, local]);
});

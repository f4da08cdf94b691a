import { unaryRule } from './elementwise.js';
import { geluDerivative } from './gelu-derivative.js';

/**
 * Y = X·Φ(X) (opset 20). With approximate = 'none': dX = dY·(Φ(X) + X·φ(X)), where
 * Φ(X) = ½(1 + erf(X/√2)) and φ(X) = e^(−X²/2)/√(2π). With approximate = 'tanh', Y = ½X(1 + t),
 * t = tanh(√(2/π)(X + 0.044715X³)): dX = dY·(½(1 + t) + ½X(1 − t²)·√(2/π)(1 + 3·0.044715X²)).
 */
export const Gelu = unaryRule('Gelu', (ctx, dY) => {
  const approximate = ctx.string('approximate', 'none');
  if (approximate !== 'none' && approximate !== 'tanh')
    return ctx.unsupported(`approximate = '${approximate}' is not a Gelu mode`);
  return ctx.op('Mul', [dY, geluDerivative(ctx, ctx.I(0), approximate)]);
});

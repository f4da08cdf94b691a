import { biasActivation } from './contrib.js';
import { geluDerivative } from './gelu-derivative.js';

/**
 * com.microsoft BiasGelu: Y = GELU(A + B) (exact erf form, B a constant bias).
 * dA = dY·GELU′(A + B), as for Gelu.
 */
export const BiasGelu = biasActivation('BiasGelu', (ctx, x) => geluDerivative(ctx, x, 'none'));

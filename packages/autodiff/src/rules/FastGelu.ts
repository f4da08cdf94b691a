import { biasActivation } from './contrib.js';
import { geluDerivative } from './gelu-derivative.js';

/**
 * com.microsoft FastGelu: Y = GELU_tanh(X + bias) (the tanh approximation, optional constant
 * bias). dX = dY·GELU_tanh′(X + bias), as for Gelu with approximate = 'tanh'.
 */
export const FastGelu = biasActivation('FastGelu', (ctx, x) => geluDerivative(ctx, x, 'tanh'));

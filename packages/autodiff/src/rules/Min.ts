import { extremum } from './extrema.js';

/**
 * Y = elementwise minimum of the inputs (broadcasting). dXᵢ = dY where Xᵢ = Y, shared evenly
 * among tied inputs (PyTorch's minimum gives each of two tied inputs half).
 */
export const Min = extremum('Min');

import { extremum } from './extrema.js';

/**
 * Y = elementwise maximum of the inputs (broadcasting). dXᵢ = dY where Xᵢ = Y, shared evenly
 * among tied inputs (PyTorch's maximum gives each of two tied inputs half).
 */
export const Max = extremum('Max');

import { reduceRule } from './reduce.js';

/**
 * Y = mean of X over `axes` (attribute before opset 18, constant input after). dX = dY / n
 * broadcast back over the reduced axes, n being the number of reduced elements.
 */
export const ReduceMean = reduceRule(
  'ReduceMean',
  (n) => 1 / n,
  (xs) => xs.reduce((p, q) => p + q, 0) / xs.length,
);

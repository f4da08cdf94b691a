import { reduceRule } from './reduce.js';

/**
 * Y = Σ X over `axes` (attribute before opset 13, constant input after; all axes when empty
 * unless noop_with_empty_axes). dX = dY broadcast back over the reduced axes.
 */
export const ReduceSum = reduceRule(
  'ReduceSum',
  () => 1,
  (xs) => xs.reduce((p, q) => p + q, 0),
);

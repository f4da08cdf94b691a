import { piecewiseConstant } from './logical.js';

/** Half-to-even rounding, as ONNX's Round. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff !== 0.5) return diff < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Y = X rounded to the nearest integer, halves to even. Its derivative is zero almost
 * everywhere (as in PyTorch): no gradient flows.
 */
export const Round = piecewiseConstant('Round', roundHalfEven);

// Ops with boolean or integer outputs, through which no gradient flows: their rules describe
// only shapes and how known values fold (shape arithmetic in exported graphs).
import { DataType } from '../onnx.js';
import type { GradientRule } from '../rule.js';
import { type Dim, normAxis } from '../shapes/dims.js';
import { broadcastShape, foldElementwise, sameShape } from '../shapes/functions.js';

/**
 * A broadcasting comparison or logical op with a boolean output. `f` compares two numbers;
 * `symbolic` decides for a symbolic dim against a value (dims are never negative), or gives up.
 */
export function comparison(
  opType: string,
  f: (a: number, b: number) => boolean,
  symbolic: (a: Dim, b: Dim) => boolean | undefined = () => undefined,
): GradientRule {
  return {
    opType,
    shape: broadcastShape,
    fold: foldElementwise(
      ([a, b]) => (typeof a === 'number' && typeof b === 'number' ? f(a, b) : symbolic(a!, b!)),
      () => DataType.BOOL,
    ),
  };
}

/** A symbolic dim `d` is a size: never negative. Whether `d` could equal `v`. */
export function couldEqual(d: Dim, v: Dim): boolean | undefined {
  if (d === v) return true;
  if (typeof d === 'string' && typeof v === 'number' && v < 0) return false;
  if (typeof v === 'string' && typeof d === 'number' && d < 0) return false;
  return undefined;
}

/** An elementwise op whose derivative is zero almost everywhere (Floor, Sign): no gradient. */
export function piecewiseConstant(opType: string, f: (x: number) => number): GradientRule {
  return {
    opType,
    shape: sameShape,
    fold: foldElementwise(([a]) => (typeof a === 'number' ? f(a) : undefined)),
  };
}

/** ArgMax or ArgMin: `axis` reduced (kept as 1 unless keepdims = 0), int64 output. */
export function argReduction(opType: string): GradientRule {
  return {
    opType,
    shape: (ctx) => {
      const x = ctx.input(0);
      if (!x) return [];
      const axis = normAxis(ctx.int('axis', 0), x.length);
      const keep = ctx.int('keepdims', 1) === 1;
      return [keep ? x.map((d, i) => (i === axis ? 1 : d)) : x.filter((_, i) => i !== axis)];
    },
  };
}

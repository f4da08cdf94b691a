import { DataType } from '../onnx.js';
import type { GradientRule, ShapeContext } from '../rule.js';
import { normAxis } from '../shapes/dims.js';

/** The dims Shape returns: input 0's, from `start` to `end` (opset 15). */
function picked(ctx: ShapeContext) {
  const s = ctx.input(0);
  if (!s) return undefined;
  const r = s.length;
  const clamp = (a: number) => Math.max(0, Math.min(r, normAxis(a, r)));
  const end = ctx.node.attribute.some((a) => a.name === 'end') ? clamp(ctx.int('end', r)) : r;
  return s.slice(clamp(ctx.int('start', 0)), end);
}

/** Y = the shape of X, int64: no gradient flows through it. Folds to X's (possibly symbolic) dims. */
export const Shape: GradientRule = {
  opType: 'Shape',
  shape: (ctx) => {
    const dims = picked(ctx);
    return [dims ? [dims.length] : undefined];
  },
  fold: (ctx) => {
    const dims = picked(ctx);
    return dims && [{ elemType: DataType.INT64, dims: [dims.length], values: dims }];
  },
};

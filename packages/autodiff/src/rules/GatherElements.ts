import type { GradientRule } from '../rule.js';
import { isStatic, normAxis, product } from '../shapes/dims.js';
import { zerosLike } from './elementwise.js';
import { flatElementIndices, hasRepeats, scatterRows } from './scatter.js';

/** The largest one-hot matrix (elements) the constant-index fallback builds. */
const MAX_ONE_HOT = 1 << 22;

/**
 * Y[i][j] = X[idx[i][j]][j] (axis 0; likewise on other axes). dX = dY scattered back, summing
 * repeated positions: ScatterElements with reduction add (opset ≥ 16); before, ScatterElements
 * without reduction when constant indices never repeat a position, else (constant indices,
 * small tensors) a one-hot matrix over the flattened tensor.
 */
export const GatherElements: GradientRule = {
  opType: 'GatherElements',
  nonDifferentiable: [1],
  shape: (ctx) => [ctx.input(1)],
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const xs = ctx.symbolicShape(ctx.I(0));
    const axis = normAxis(ctx.int('axis', 0), xs.length);
    const attrs = { axis: { int: axis } };
    const zeros = () => zerosLike(ctx, ctx.I(0));
    if (ctx.opset >= 16) {
      const add = { ...attrs, reduction: { string: 'add' } };
      return ctx.setGI(0, ctx.op('ScatterElements', [zeros(), ctx.I(1), dY], add));
    }
    const idx = ctx.constant(1);
    if (!idx || !isStatic(xs))
      return ctx.unsupported(
        'indices computed at run time need ScatterElements with reduction add: export at opset 16 or newer',
      );
    const flat = flatElementIndices(idx.values, idx.dims, xs, axis);
    if (!hasRepeats(flat))
      return ctx.setGI(0, ctx.op('ScatterElements', [zeros(), ctx.I(1), dY], attrs));
    if (flat.length * product(xs) > MAX_ONE_HOT)
      return ctx.unsupported('repeated indices on a large tensor need opset 16 or newer');
    const dx = scatterRows(ctx, ctx.reshape(dY, [flat.length, 1]), flat, product(xs));
    ctx.setGI(0, ctx.reshape(dx, xs));
  },
};

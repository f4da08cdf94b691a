import type { GradientRule, RuleContext } from '../rule.js';
import { type Dim, isStatic, normAxis, product } from '../shapes/dims.js';
import type { TensorValue } from '../shapes/values.js';

/** The largest identity matrix (elements) the run-time-index gradient gathers one-hot rows from. */
const MAX_IDENTITY = 2048 * 2048;

/**
 * The gradient of taking `count` entries (flat indices into one axis of size d) from X reshaped
 * to [P, d, Q]: dY reshaped to [P, count, Q] times a one-hot matrix Mᵀ (d × count), summing
 * repeated indices. `oneHot` is M, [count, d] (a constant, or built at run time).
 */
export function scatterAlongAxis(
  ctx: RuleContext,
  dY: string,
  oneHot: string,
  axis: number,
  count: number,
): string {
  const xs = ctx.symbolicShape(ctx.I(0));
  const before = xs.slice(0, axis);
  const after = xs.slice(axis + 1);
  const d = xs[axis];
  if (typeof d !== 'number') ctx.unsupported(`the gathered axis ${axis} must have a static size`);
  // One free dim (a batch) may remain: Reshape infers it.
  const p = isStatic(before) ? product(before) : -1;
  const q = isStatic(after) ? product(after) : -1;
  if (p === -1 && q === -1) ctx.shape(ctx.I(0));
  const g = ctx.reshape(dY, [p, count, q]);
  const mt = ctx.op('Transpose', [oneHot], { perm: { ints: [1, 0] } });
  const dx = ctx.op('MatMul', [mt, g]);
  const back = xs.map((v: Dim) => (typeof v === 'number' ? v : -1));
  return back.filter((v) => v === -1).length <= 1
    ? ctx.reshape(dx, back)
    : ctx.op('Reshape', [dx, ctx.op('Shape', [ctx.I(0)])]);
}

/**
 * Y = X indexed along `axis` by `indices` (any shape, negative from the end). dX puts dY back
 * where it was taken, summing repeated indices. A scalar constant index (the class token
 * `x[:, 0]`, a channel `x[:, c]`) is a Pad of dY; constant index tensors a MatMul with a
 * precomputed one-hot matrix; indices computed at run time the rows of an identity matrix
 * gathered by them (axes of up to 2048 entries).
 */
export const Gather: GradientRule = {
  opType: 'Gather',
  nonDifferentiable: [1],
  shape(ctx) {
    const x = ctx.input(0);
    const idx = ctx.input(1);
    if (!x || !idx) return [];
    const axis = normAxis(ctx.int('axis', 0), x.length);
    return [[...x.slice(0, axis), ...idx, ...x.slice(axis + 1)]];
  },
  fold(ctx) {
    const v = ctx.value(0);
    const idx = ctx.constant(1);
    if (!v || !idx) return undefined;
    const axis = normAxis(ctx.int('axis', 0), v.dims.length);
    return [gatherValues(v, idx.values, idx.dims, axis)];
  },
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const xs = ctx.symbolicShape(ctx.I(0));
    const axis = normAxis(ctx.int('axis', 0), xs.length);
    const d = xs[axis];
    if (typeof d !== 'number')
      return ctx.unsupported(`the gathered axis ${axis} must have a static size`);
    const idx = ctx.constant(1);
    const idxShape = ctx.symbolicShape(ctx.I(1));
    if (idx && idx.dims.length === 0) {
      const i = normAxis(idx.values[0]!, d);
      const pads = new Array<number>(2 * xs.length).fill(0);
      pads[axis] = i;
      pads[axis + xs.length] = d - 1 - i;
      ctx.setGI(0, ctx.pad(ctx.unsqueeze(dY, [axis]), pads));
      return;
    }
    if (!isStatic(idxShape)) return ctx.unsupported('the indices must have a static shape');
    const count = product(idxShape);
    let oneHot: string;
    if (idx) {
      const m = new Float32Array(count * d);
      idx.values.forEach((v, k) => {
        m[k * d + normAxis(v, d)] = 1;
      });
      oneHot = ctx.constFloat(m, [count, d]);
    } else {
      // Rows of the identity picked by the indices (Gather takes negative ones too): integer
      // ops such as Equal on int64 would run on the CPU under the WebGPU provider.
      if (d * d > MAX_IDENTITY)
        return ctx.unsupported(
          `indices computed at run time on an axis of ${d} entries (more than ${Math.sqrt(MAX_IDENTITY)})`,
        );
      const eye = new Float32Array(d * d);
      for (let j = 0; j < d; j++) eye[j * d + j] = 1;
      oneHot = ctx.reshape(ctx.op('Gather', [ctx.constFloat(eye, [d, d]), ctx.I(1)]), [count, d]);
    }
    ctx.setGI(0, scatterAlongAxis(ctx, dY, oneHot, axis, count));
  },
};

/** Gather of known values (small tensors in shape arithmetic). */
function gatherValues(
  v: TensorValue,
  indices: readonly number[],
  idxDims: readonly number[],
  axis: number,
): TensorValue {
  const d = v.dims[axis]!;
  const outer = product(v.dims.slice(0, axis));
  const inner = product(v.dims.slice(axis + 1));
  const values: Dim[] = [];
  for (let o = 0; o < outer; o++)
    for (const i of indices) {
      const start = (o * d + normAxis(i, d)) * inner;
      values.push(...v.values.slice(start, start + inner));
    }
  return {
    elemType: v.elemType,
    dims: [...v.dims.slice(0, axis), ...idxDims, ...v.dims.slice(axis + 1)],
    values,
  };
}

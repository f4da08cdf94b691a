// Helpers for the rules of the indexing ops that address elements by index tuples or per
// position (GatherND, ScatterND, GatherElements, ScatterElements).
import type { GradientRule, RuleContext } from '../rule.js';
import { isStatic, normAxis, product, type Shape } from '../shapes/dims.js';

/**
 * Constant GatherND/ScatterND indices ([..., k] tuples into the first k dims of `data`) as flat
 * positions into those k dims, negative entries counted from the end.
 */
export function flatTupleIndices(
  values: readonly number[],
  idxDims: readonly number[],
  data: readonly number[],
): number[] {
  const k = idxDims[idxDims.length - 1]!;
  const strides = data.slice(0, k).map((_, j) => product(data.slice(j + 1, k)));
  const out: number[] = [];
  for (let t = 0; t < values.length / k; t++) {
    let flat = 0;
    for (let j = 0; j < k; j++) flat += normAxis(values[t * k + j]!, data[j]!) * strides[j]!;
    out.push(flat);
  }
  return out;
}

/**
 * Constant GatherElements/ScatterElements indices as flat positions into the whole tensor of
 * shape `data` (the index tensor gives the coordinate along `axis`, its own position the rest).
 */
export function flatElementIndices(
  values: readonly number[],
  idxDims: readonly number[],
  data: readonly number[],
  axis: number,
): number[] {
  const dataStrides = data.map((_, j) => product(data.slice(j + 1)));
  const idxStrides = idxDims.map((_, j) => product(idxDims.slice(j + 1)));
  return values.map((v, t) => {
    let flat = 0;
    for (let j = 0; j < idxDims.length; j++) {
      const coord =
        j === axis ? normAxis(v, data[axis]!) : Math.floor(t / idxStrides[j]!) % idxDims[j]!;
      flat += coord * dataStrides[j]!;
    }
    return flat;
  });
}

/** dY with the flat positions `written` (into its first `dims.length` dims) zeroed: a constant mask. */
export function maskWritten(
  ctx: RuleContext,
  dY: string,
  written: readonly number[],
  dims: readonly number[],
  rank: number,
): string {
  const mask = new Float32Array(product(dims)).fill(1);
  for (const p of written) mask[p] = 0;
  const shape = [...dims, ...new Array<number>(rank - dims.length).fill(1)];
  return ctx.op('Mul', [dY, ctx.constFloat(mask, shape)]);
}

/** A tensor of shape [first, ...rest] viewed as 2-D [first, R]: R static, or −1 for one free dim. */
export function asRows(ctx: RuleContext, t: string, first: number, rest: Shape): string {
  return ctx.reshape(t, [first, isStatic(rest) ? product(rest) : -1]);
}

/**
 * The gradient of rows picked from X viewed as [P, R] (row indices `rows`, repeats allowed): a
 * one-hot matrix Mᵀ [P, count] times dY viewed as [count, R].
 */
export function scatterRows(
  ctx: RuleContext,
  dYRows: string,
  rows: readonly number[],
  p: number,
): string {
  const m = new Float32Array(p * rows.length);
  rows.forEach((r, t) => {
    m[r * rows.length + t] = 1;
  });
  return ctx.op('MatMul', [ctx.constFloat(m, [p, rows.length]), dYRows]);
}

/** Whether constant flat positions contain a repeat (scatter without reduction would drop one). */
export function hasRepeats(flat: readonly number[]): boolean {
  return new Set(flat).size !== flat.length;
}

/**
 * A Scatter* rule (data, indices, updates → data's shape): `build` gets dY, the reduction (`none`
 * or `add`; mul, max and min are refused) and data's shape.
 */
export function scatterRule(
  opType: string,
  build: (ctx: RuleContext, dY: string, reduction: 'none' | 'add', xs: Shape) => void,
): GradientRule {
  return {
    opType,
    nonDifferentiable: [1],
    shape: (ctx) => [ctx.input(0)],
    build(ctx) {
      const dY = ctx.GO(0);
      if (!dY) return;
      const reduction = ctx.string('reduction', 'none');
      if (reduction !== 'none' && reduction !== 'add')
        return ctx.unsupported(`reduction '${reduction}' is not supported (only none and add)`);
      build(ctx, dY, reduction, ctx.symbolicShape(ctx.I(0)));
    },
  };
}

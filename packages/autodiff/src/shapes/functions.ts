// Shape and fold functions shared by several op rules (elementwise, broadcasting, reductions,
// reshapes, windows). Rules use them as their `shape` and `fold`; ops with their own geometry
// define it in their rule file.
import { DataType } from '../onnx.js';
import type { ShapeContext } from '../rule.js';
import {
  broadcastShapes,
  type Dim,
  divDims,
  isStatic,
  mulDims,
  normAxis,
  product,
  type Shape,
} from './dims.js';
import type { TensorValue } from './values.js';

type Outputs = readonly (Shape | undefined)[];
type Folded = readonly (TensorValue | undefined)[] | undefined;

/** Output 0 shaped like input 0 (elementwise unary ops). */
export function sameShape(ctx: ShapeContext): Outputs {
  return [ctx.input(0)];
}

/** Output 0 the broadcast of every input (elementwise ops with several inputs). */
export function broadcastShape(ctx: ShapeContext): Outputs {
  let s: Dim[] = [];
  for (let i = 0; i < ctx.node.input.length; i++) {
    if (!ctx.node.input[i]) continue;
    const si = ctx.input(i);
    if (!si) return [];
    s = broadcastShapes(s, si);
  }
  return [s];
}

/** Row-major strides of a static shape. */
function strides(dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) out[i] = out[i + 1]! * dims[i + 1]!;
  return out;
}

/**
 * Folds an elementwise op over known input values with numpy broadcasting: `f` maps one value per
 * input (numbers or symbolic dims) to the output value, `undefined` to give up.
 * @param outType element type of the result from the inputs' element types
 */
export function foldElementwise(
  f: (xs: readonly Dim[], elemType: number) => Dim | boolean | undefined,
  outType: (elemType: number) => number = (t) => t,
) {
  return (ctx: ShapeContext): Folded => {
    const vals: TensorValue[] = [];
    for (let i = 0; i < ctx.node.input.length; i++) {
      if (!ctx.node.input[i]) continue;
      const v = ctx.value(i);
      if (!v) return undefined;
      vals.push(v);
    }
    const out = broadcastValues(vals, f, outType);
    return out ? [out] : undefined;
  };
}

/** `f` applied elementwise over values broadcast against each other (numpy rules). */
export function broadcastValues(
  vals: readonly TensorValue[],
  f: (xs: readonly Dim[], elemType: number) => Dim | boolean | undefined,
  outType: (elemType: number) => number = (t) => t,
): TensorValue | undefined {
  {
    if (vals.length === 0) return undefined;
    let dims: readonly number[] = [];
    for (const v of vals) dims = broadcastShapes(dims, v.dims) as number[];
    const n = product(dims);
    const outStrides = strides(dims);
    const inStrides = vals.map((v) => {
      const s = strides(v.dims);
      const lead = dims.length - v.dims.length;
      return dims.map((_, k) => (k < lead || v.dims[k - lead] === 1 ? 0 : s[k - lead]!));
    });
    const elemType = vals[0]!.elemType;
    const single = outType(elemType) === DataType.FLOAT;
    const values: Dim[] = [];
    for (let j = 0; j < n; j++) {
      const xs = vals.map((v, i) => {
        let offset = 0;
        let rest = j;
        for (let k = 0; k < dims.length; k++) {
          const q = Math.floor(rest / outStrides[k]!);
          rest -= q * outStrides[k]!;
          offset += q * inStrides[i]![k]!;
        }
        return v.values[offset]!;
      });
      const y = f(xs, elemType);
      if (y === undefined) return undefined;
      if (typeof y === 'boolean') values.push(y ? 1 : 0);
      else values.push(single && typeof y === 'number' ? Math.fround(y) : y);
    }
    return { elemType: outType(elemType), dims, values };
  }
}

export const isIntegerType = (t: number): boolean =>
  t === DataType.INT64 || t === DataType.INT32 || t === DataType.INT8 || t === DataType.UINT8;

/** Both numbers: `f(a, b)`; otherwise `symbolic(a, b)` (or give up). */
export function numeric(
  f: (a: number, b: number, elemType: number) => number | boolean,
  symbolic?: (a: Dim, b: Dim) => Dim | undefined,
) {
  return (xs: readonly Dim[], elemType: number): Dim | boolean | undefined => {
    const [a, b] = xs as [Dim, Dim];
    if (typeof a === 'number' && typeof b === 'number') return f(a, b, elemType);
    return symbolic?.(a, b);
  };
}

/** Output 0 as input 0 with `axes` reduced (kept as 1 or dropped), axes from attribute or input 1. */
export function reduceShape(ctx: ShapeContext): Outputs {
  const x = ctx.input(0);
  if (!x) return [];
  const keep = ctx.int('keepdims', 1) === 1;
  let axes = reduceAxes(ctx);
  if (axes === undefined) return [];
  if (axes.length === 0) {
    if (ctx.int('noop_with_empty_axes', 0) === 1) return [x];
    axes = x.map((_, i) => i);
  }
  const ax = axes.map((a) => normAxis(a, x.length));
  return [keep ? x.map((d, i) => (ax.includes(i) ? 1 : d)) : x.filter((_, i) => !ax.includes(i))];
}

/**
 * Axes of a reduction: the `axes` attribute (older opsets), the constant input 1, `[]` when
 * neither is given, `undefined` when input 1 exists but is not known.
 */
export function reduceAxes(ctx: ShapeContext, input = 1): number[] | undefined {
  const attr = ctx.ints('axes');
  if (attr) return attr;
  if (!ctx.node.input[input]) return [];
  const v = ctx.constant(input);
  return v ? [...v.values] : undefined;
}

/** Folds a reduction of a small known tensor with `f` over the reduced values. */
export function foldReduce(f: (xs: readonly number[]) => number) {
  return (ctx: ShapeContext): Folded => {
    const v = ctx.constant(0);
    const out = reduceShape(ctx)[0];
    if (!v || !out || !isStatic(out)) return undefined;
    let axes = reduceAxes(ctx) ?? [];
    if (axes.length === 0) {
      if (ctx.int('noop_with_empty_axes', 0) === 1) return [v];
      axes = v.dims.map((_, i) => i);
    }
    const ax = axes.map((a) => normAxis(a, v.dims.length));
    const groups = new Map<number, number[]>();
    const st = strides(v.dims);
    const keptStrides = strides(v.dims.map((d, i) => (ax.includes(i) ? 1 : d)));
    v.values.forEach((x, j) => {
      let key = 0;
      let rest = j;
      for (let k = 0; k < v.dims.length; k++) {
        const q = Math.floor(rest / st[k]!);
        rest -= q * st[k]!;
        if (!ax.includes(k)) key += q * keptStrides[k]!;
      }
      const g = groups.get(key);
      if (g) g.push(x);
      else groups.set(key, [x]);
    });
    const values = [...groups.keys()].sort((a, b) => a - b).map((k) => f(groups.get(k)!));
    return [{ elemType: v.elemType, dims: out, values }];
  };
}

/** Output 0 reshaped to `target` (Reshape's rules: 0 copies, −1 infers, allowzero). */
export function reshapeTo(
  ctx: ShapeContext,
  x: Shape,
  target: readonly Dim[],
  allowZero: boolean,
): Dim[] {
  const out: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? x[i]! : d));
  const minus = out.indexOf(-1);
  if (minus >= 0) {
    const known = mulDims(out.filter((_, i) => i !== minus));
    out[minus] = divDims(mulDims(x), known) ?? ctx.unknown(0, minus);
  }
  return out;
}

/** Output 0 and its value for ops that only change the shape (Reshape, Squeeze, Flatten, …). */
export function foldReshaped(ctx: ShapeContext, outShape: Shape | undefined): Folded {
  const v = ctx.value(0);
  if (!v || !outShape || !isStatic(outShape)) return undefined;
  return [{ elemType: v.elemType, dims: outShape, values: v.values }];
}

/** Spatial output size of a conv or pool window, following ONNX's rules (auto_pad, ceil_mode). */
export function windowGeometry(
  ctx: Pick<ShapeContext, 'ints' | 'int' | 'string'>,
  inShape: readonly number[],
  kernel: readonly number[],
): { pads: number[]; strides: number[]; dilations: number[]; out: number[] } {
  const nsp = kernel.length;
  const st = ctx.ints('strides') ?? new Array<number>(nsp).fill(1);
  const dilations = ctx.ints('dilations') ?? new Array<number>(nsp).fill(1);
  let pads = ctx.ints('pads') ?? new Array<number>(2 * nsp).fill(0);
  const autoPad = ctx.string('auto_pad', 'NOTSET');
  const ceil = ctx.int('ceil_mode', 0) === 1;
  const spatial = inShape.slice(2);
  const out: number[] = [];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array<number>(2 * nsp).fill(0);
    for (let i = 0; i < nsp; i++) {
      const o = Math.ceil(spatial[i]! / st[i]!);
      const total = Math.max(
        0,
        (o - 1) * st[i]! + dilations[i]! * (kernel[i]! - 1) + 1 - spatial[i]!,
      );
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + nsp] = total - pads[i]!;
      out.push(o);
    }
  } else if (autoPad === 'VALID') {
    pads = new Array<number>(2 * nsp).fill(0);
    for (let i = 0; i < nsp; i++) {
      out.push(Math.floor((spatial[i]! - dilations[i]! * (kernel[i]! - 1) - 1) / st[i]!) + 1);
    }
  } else {
    for (let i = 0; i < nsp; i++) {
      const span = spatial[i]! + pads[i]! + pads[i + nsp]! - dilations[i]! * (kernel[i]! - 1) - 1;
      let o = (ceil ? Math.ceil(span / st[i]!) : Math.floor(span / st[i]!)) + 1;
      // ONNX/PyTorch: the last window must start inside the input or left padding.
      if (ceil && (o - 1) * st[i]! >= spatial[i]! + pads[i]!) o -= 1;
      out.push(o);
    }
  }
  return { pads, strides: st, dilations, out };
}

/** Windowed op output: [N, channels, spatial from windowGeometry] (unknown spatial when free). */
export function windowShape(ctx: ShapeContext, channels: Dim, kernel: readonly number[]): Dim[] {
  const x = ctx.input(0)!;
  const spatial = x.slice(2);
  if (!isStatic(spatial)) {
    // A free size stays symbolic through a stride-1 window that keeps sizes ('same' padding):
    // probe with size 1 where the dim is free.
    const probe = windowGeometry(
      ctx,
      [0, 0, ...spatial.map((d) => (typeof d === 'number' ? d : 1))],
      kernel,
    );
    return [
      x[0]!,
      channels,
      ...spatial.map((d, i) =>
        typeof d === 'number'
          ? probe.out[i]!
          : probe.strides[i] === 1 && probe.out[i] === 1
            ? d
            : ctx.unknown(0, i + 2),
      ),
    ];
  }
  const geo = windowGeometry(ctx, [0, 0, ...spatial], kernel);
  return [x[0]!, channels, ...geo.out];
}

/** Start (normalized, clamped) and element count of a slice of a dim of size d. */
export function sliceAxis(
  d: number,
  start: number,
  end: number,
  step: number,
): { start: number; count: number } {
  let s = start < 0 ? start + d : start;
  let e = end < 0 ? end + d : end;
  if (step > 0) {
    s = Math.max(0, Math.min(d, s));
    e = Math.max(0, Math.min(d, e));
    return { start: s, count: Math.max(0, Math.ceil((e - s) / step)) };
  }
  s = Math.max(-1, Math.min(d - 1, s));
  e = Math.max(-1, Math.min(d - 1, e));
  return { start: s, count: Math.max(0, Math.ceil((s - e) / -step)) };
}

/** Slice's starts, ends, axes (normalized) and steps, from attributes or constant inputs. */
export function sliceArgs(
  ctx: Pick<ShapeContext, 'ints' | 'constant' | 'node'>,
  rank: number,
): { starts: number[]; ends: number[]; axes: number[]; steps: number[] } | undefined {
  const given = (i: number) => (ctx.node.input[i] ? ctx.constant(i)?.values : undefined);
  const starts = ctx.ints('starts') ?? given(1);
  const ends = ctx.ints('ends') ?? given(2);
  if (!starts || !ends) return undefined;
  const axes = (ctx.ints('axes') ?? given(3) ?? starts.map((_, i) => i)).map((a) =>
    normAxis(a, rank),
  );
  const steps = given(4) ?? starts.map(() => 1);
  return { starts: [...starts], ends: [...ends], axes, steps: [...steps] };
}

/** Normalized Slice parameters per axis: start, step and element count (static sliced axes). */
export function sliceParams(
  ctx: Pick<ShapeContext, 'ints' | 'constant' | 'node'>,
  x: Shape,
):
  | { axes: number[]; starts: number[]; steps: number[]; counts: Record<number, number> }
  | undefined {
  const args = sliceArgs(ctx, x.length);
  if (!args) return undefined;
  const outStarts: number[] = [];
  const counts: Record<number, number> = {};
  for (let i = 0; i < args.axes.length; i++) {
    const ax = args.axes[i]!;
    const d = x[ax];
    if (typeof d !== 'number') return undefined;
    const a = sliceAxis(d, args.starts[i]!, args.ends[i]!, args.steps[i]!);
    counts[ax] = a.count;
    outStarts.push(a.start);
  }
  return { axes: args.axes, starts: outStarts, steps: args.steps, counts };
}

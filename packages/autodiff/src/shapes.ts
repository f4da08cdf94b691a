// Static shape inference for the ops image classifiers use, with constant folding of the small
// integer subgraphs (Shape → Gather → Concat → Reshape) that exporters emit. Dims are numbers when
// known and strings (symbols such as `N`, or `?3` for unknown) otherwise.
import { FvError } from '@fv/core';
import type { ConstValue, GraphIndex } from './graph.js';
import {
  attrInt,
  attrInts,
  attrString,
  DataType,
  getAttr,
  type NodeProto,
  valueInfoType,
} from './onnx.js';

export type Dim = number | string;
export type Shape = readonly Dim[];

let unknownCounter = 0;
const unknown = (): string => `?${++unknownCounter}`;

export function isStatic(shape: Shape | undefined): shape is readonly number[] {
  return !!shape && shape.every((d) => typeof d === 'number');
}

export function broadcastShapes(a: Shape, b: Shape): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (da === db) out.push(da);
    else if (typeof da === 'number' && typeof db === 'number') {
      throw new FvError(
        'SHAPE_MISMATCH',
        `Cannot broadcast shapes [${a.join(', ')}] and [${b.join(', ')}]`,
      );
    } else out.push(typeof da === 'number' ? da : db);
  }
  return out;
}

/** Spatial output size of a conv or pool window, following ONNX's rules (auto_pad, ceil_mode). */
export function windowGeometry(
  node: NodeProto,
  inShape: readonly number[],
  kernel: readonly number[],
): { pads: number[]; strides: number[]; dilations: number[]; out: number[] } {
  const nsp = kernel.length;
  const strides = attrInts(node, 'strides') ?? new Array<number>(nsp).fill(1);
  const dilations = attrInts(node, 'dilations') ?? new Array<number>(nsp).fill(1);
  let pads = attrInts(node, 'pads') ?? new Array<number>(2 * nsp).fill(0);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const ceil = attrInt(node, 'ceil_mode', 0) === 1;
  const spatial = inShape.slice(2);
  const out: number[] = [];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array<number>(2 * nsp).fill(0);
    for (let i = 0; i < nsp; i++) {
      const o = Math.ceil(spatial[i]! / strides[i]!);
      const total = Math.max(
        0,
        (o - 1) * strides[i]! + dilations[i]! * (kernel[i]! - 1) + 1 - spatial[i]!,
      );
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + nsp] = total - pads[i]!;
      out.push(o);
    }
  } else if (autoPad === 'VALID') {
    pads = new Array<number>(2 * nsp).fill(0);
    for (let i = 0; i < nsp; i++) {
      out.push(Math.floor((spatial[i]! - dilations[i]! * (kernel[i]! - 1) - 1) / strides[i]!) + 1);
    }
  } else {
    for (let i = 0; i < nsp; i++) {
      const span = spatial[i]! + pads[i]! + pads[i + nsp]! - dilations[i]! * (kernel[i]! - 1) - 1;
      let o = (ceil ? Math.ceil(span / strides[i]!) : Math.floor(span / strides[i]!)) + 1;
      // ONNX/PyTorch: the last window must start inside the input or left padding.
      if (ceil && (o - 1) * strides[i]! >= spatial[i]! + pads[i]!) o -= 1;
      out.push(o);
    }
  }
  return { pads, strides, dilations, out };
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Axes of a node: from the `axes` attribute (older opsets) or its input at `inputIndex`. */
export function axesOf(
  index: GraphIndex,
  node: NodeProto,
  inputIndex: number,
): number[] | undefined {
  const fromAttr = attrInts(node, 'axes');
  if (fromAttr) return fromAttr;
  const name = node.input[inputIndex];
  if (!name) return undefined;
  const v = index.constValue(name);
  if (!v) {
    throw new FvError(
      'UNSUPPORTED_OP',
      `${node.opType} node '${node.name}' takes its axes from '${name}', which is not a constant`,
    );
  }
  return [...v.values];
}

function fold(index: GraphIndex, name: string, value: ConstValue): void {
  index.setConstValue(name, value);
}

const FOLDABLE = new Set([
  'Shape',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Cast',
  'Identity',
  'Slice',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'ConstantOfShape',
]);

function foldIntOps(index: GraphIndex, node: NodeProto, shapes: Map<string, Shape>): void {
  if (!FOLDABLE.has(node.opType)) return;
  // Shape arithmetic only: skip anything fed by a large tensor (weights, activations).
  for (const name of node.input) {
    const s = name ? shapes.get(name) : undefined;
    if (node.opType !== 'Shape' && (!s || !isStatic(s) || s.reduce((p, q) => p * q, 1) > 64))
      return;
  }
  const inputs = node.input.map((n) => (n ? index.constValue(n) : undefined));
  const out = node.output[0];
  if (!out) return;
  const op = node.opType;
  if (op === 'Shape') {
    const s = shapes.get(node.input[0]!);
    if (isStatic(s)) {
      const start = attrInt(node, 'start', 0);
      const endAttr = getAttr(node, 'end');
      const r = s.length;
      const st = Math.max(0, Math.min(r, normAxis(start, r)));
      const en = endAttr ? Math.max(0, Math.min(r, normAxis(Number(endAttr.i), r))) : r;
      const vals = s.slice(st, en);
      fold(index, out, { elemType: DataType.INT64, dims: [vals.length], values: vals });
    }
    return;
  }
  if (!inputs.every((v, i) => v !== undefined || !node.input[i])) return;
  const vals = inputs as ConstValue[];
  const a = vals[0];
  if (!a) return;
  // Only fold small integer computations (shape arithmetic); float math stays in the graph.
  if (a.values.length > 64) return;
  const int = a.elemType === DataType.INT64 || a.elemType === DataType.INT32;
  switch (op) {
    case 'Gather': {
      const idx = vals[1]!;
      const axis = normAxis(attrInt(node, 'axis', 0), a.dims.length);
      if (a.dims.length !== 1 || axis !== 0) return;
      const picked = idx.values.map((i) => a.values[i < 0 ? i + a.values.length : i]!);
      fold(index, out, { elemType: a.elemType, dims: idx.dims, values: picked });
      return;
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      const axes = axesOf(index, node, 1) ?? [];
      const dims = [...a.dims];
      if (op === 'Unsqueeze') {
        const r = dims.length + axes.length;
        for (const ax of axes.map((x) => normAxis(x, r)).sort((p, q) => p - q))
          dims.splice(ax, 0, 1);
      } else {
        const r = dims.length;
        const drop = axes.length
          ? axes.map((x) => normAxis(x, r))
          : dims.flatMap((d, i) => (d === 1 ? [i] : []));
        for (const ax of drop.sort((p, q) => q - p)) dims.splice(ax, 1);
      }
      fold(index, out, { elemType: a.elemType, dims, values: a.values });
      return;
    }
    case 'Concat': {
      if (!vals.every((v) => v.dims.length <= 1)) return;
      fold(index, out, {
        elemType: a.elemType,
        dims: [vals.reduce((n, v) => n + v.values.length, 0)],
        values: vals.flatMap((v) => v.values),
      });
      return;
    }
    case 'Cast': {
      const to = attrInt(node, 'to', DataType.FLOAT);
      const values =
        to === DataType.INT64 || to === DataType.INT32 ? a.values.map(Math.trunc) : a.values;
      fold(index, out, { elemType: to, dims: a.dims, values });
      return;
    }
    case 'Identity':
      fold(index, out, a);
      return;
    case 'Slice': {
      if (a.dims.length !== 1) return;
      const starts = attrInts(node, 'starts') ?? vals[1]?.values;
      const ends = attrInts(node, 'ends') ?? vals[2]?.values;
      const step = vals[4]?.values[0] ?? 1;
      if (!starts || !ends || step !== 1) return;
      const n = a.values.length;
      const clamp = (v: number) => Math.max(0, Math.min(n, v < 0 ? v + n : v));
      const picked = a.values.slice(clamp(starts[0]!), clamp(ends[0]!));
      fold(index, out, { elemType: a.elemType, dims: [picked.length], values: picked });
      return;
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': {
      const b = vals[1]!;
      if (
        !int ||
        (a.values.length !== b.values.length && b.values.length !== 1 && a.values.length !== 1)
      )
        return;
      const n = Math.max(a.values.length, b.values.length);
      const f = {
        Add: (x: number, y: number) => x + y,
        Sub: (x: number, y: number) => x - y,
        Mul: (x: number, y: number) => x * y,
        Div: (x: number, y: number) => Math.trunc(x / y),
      }[op];
      const values = Array.from({ length: n }, (_, i) =>
        f(a.values[a.values.length === 1 ? 0 : i]!, b.values[b.values.length === 1 ? 0 : i]!),
      );
      fold(index, out, {
        elemType: a.elemType,
        dims: a.values.length >= b.values.length ? a.dims : b.dims,
        values,
      });
      return;
    }
    case 'ConstantOfShape': {
      const v = getAttr(node, 'value')?.t;
      const n = a.values.reduce((p, q) => p * q, 1);
      if (n > 64) return;
      const fill = v
        ? v.rawData.length
          ? new DataView(v.rawData.buffer, v.rawData.byteOffset).getFloat32(0, true)
          : 0
        : 0;
      if (v && v.dataType === DataType.INT64) {
        const iv = v.rawData.length
          ? Number(new DataView(v.rawData.buffer, v.rawData.byteOffset).getBigInt64(0, true))
          : Number(v.int64Data[0] ?? 0n);
        fold(index, out, {
          elemType: DataType.INT64,
          dims: a.values,
          values: new Array<number>(n).fill(iv),
        });
      } else {
        fold(index, out, {
          elemType: v?.dataType ?? DataType.FLOAT,
          dims: a.values,
          values: new Array<number>(n).fill(fill),
        });
      }
      return;
    }
    default:
      return;
  }
}

/**
 * Infers the shape of every tensor in the graph.
 * @param inputShapes overrides for graph input dims (for example a fixed batch or image size).
 */
export function inferShapes(
  index: GraphIndex,
  inputShapes: Readonly<Record<string, readonly Dim[]>> = {},
): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  for (const [name, t] of index.initializers) shapes.set(name, t.dims.map(Number));
  for (const vi of index.graph.input) {
    if (index.initializers.has(vi.name)) continue;
    const given = inputShapes[vi.name];
    const t = valueInfoType(vi);
    shapes.set(vi.name, given ? [...given] : (t?.dims ?? []).map((d) => d ?? unknown()));
  }
  const declared = new Map<string, Shape>();
  for (const vi of [...index.graph.valueInfo, ...index.graph.output]) {
    const t = valueInfoType(vi);
    if (t?.dims)
      declared.set(
        vi.name,
        t.dims.map((d) => d ?? unknown()),
      );
  }
  for (const node of index.graph.node) {
    let outs: (Shape | undefined)[];
    try {
      outs = inferNode(index, node, shapes);
    } catch (error) {
      if (error instanceof FvError) throw error;
      outs = [];
    }
    node.output.forEach((name, i) => {
      if (!name) return;
      const s = outs[i] ?? declared.get(name);
      if (s) shapes.set(name, s);
    });
    foldIntOps(index, node, shapes);
  }
  return shapes;
}

function inferNode(
  index: GraphIndex,
  node: NodeProto,
  shapes: Map<string, Shape>,
): (Shape | undefined)[] {
  const inShape = (i: number): Shape | undefined => {
    const n = node.input[i];
    return n ? shapes.get(n) : undefined;
  };
  const x = inShape(0);
  const op = node.opType;
  switch (op) {
    case 'Relu':
    case 'LeakyRelu':
    case 'PRelu':
    case 'Elu':
    case 'Selu':
    case 'Clip':
    case 'Sigmoid':
    case 'HardSigmoid':
    case 'HardSwish':
    case 'Tanh':
    case 'Softmax':
    case 'LogSoftmax':
    case 'Erf':
    case 'Sqrt':
    case 'Exp':
    case 'Log':
    case 'Neg':
    case 'Abs':
    case 'Reciprocal':
    case 'Identity':
    case 'BatchNormalization':
    case 'InstanceNormalization':
    case 'LRN':
    case 'Softplus':
    case 'Softsign':
    case 'Mish':
    case 'Gelu':
    case 'Not':
    case 'Sign':
    case 'Floor':
    case 'Ceil':
    case 'Round':
    case 'Cos':
    case 'Sin':
      return [x];
    case 'Dropout':
      return [x, x];
    case 'DequantizeLinear':
    case 'QuantizeLinear':
      return [x];
    case 'LayerNormalization': {
      // Y, and the optional Mean and InvStdDev with size 1 on the normalized axes.
      if (!x) return [];
      const axis = normAxis(attrInt(node, 'axis', -1), x.length);
      const stat = x.map((d, i) => (i < axis ? d : 1));
      return [x, stat, stat];
    }
    case 'Cast':
      return [x];
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Pow':
    case 'Equal':
    case 'Greater':
    case 'Less':
    case 'GreaterOrEqual':
    case 'LessOrEqual':
    case 'And':
    case 'Or':
    case 'Max':
    case 'Min':
    case 'Sum':
    case 'Mean':
    case 'Where': {
      let s: Dim[] = [];
      for (let i = 0; i < node.input.length; i++) {
        const si = inShape(i);
        if (!si) return [];
        s = broadcastShapes(s, si);
      }
      return [s];
    }
    case 'Conv':
    case 'ConvTranspose': {
      const w = inShape(1);
      if (!x || !isStatic(w)) return [];
      const kernel = attrInts(node, 'kernel_shape') ?? w.slice(2);
      const group = attrInt(node, 'group', 1);
      if (op === 'Conv') {
        if (!isStatic(x.slice(2))) return [[x[0]!, w[0]!, ...x.slice(2).map(() => unknown())]];
        const geo = windowGeometry(node, [0, 0, ...(x.slice(2) as number[])], kernel);
        return [[x[0]!, w[0]!, ...geo.out]];
      }
      const outC = w[1]! * group;
      const explicit = attrInts(node, 'output_shape');
      if (explicit) return [[x[0]!, outC, ...explicit.slice(-kernel.length)]];
      if (!isStatic(x.slice(2))) return [[x[0]!, outC, ...x.slice(2).map(() => unknown())]];
      const strides = attrInts(node, 'strides') ?? kernel.map(() => 1);
      const dil = attrInts(node, 'dilations') ?? kernel.map(() => 1);
      const pads = attrInts(node, 'pads') ?? [...kernel, ...kernel].map(() => 0);
      const opad = attrInts(node, 'output_padding') ?? kernel.map(() => 0);
      const autoPad = attrString(node, 'auto_pad', 'NOTSET');
      const sp = x.slice(2) as number[];
      const out = sp.map((d, i) =>
        autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER'
          ? d * strides[i]!
          : strides[i]! * (d - 1) +
            opad[i]! +
            dil[i]! * (kernel[i]! - 1) +
            1 -
            pads[i]! -
            pads[i + kernel.length]!,
      );
      return [[x[0]!, outC, ...out]];
    }
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool': {
      if (!x) return [];
      const kernel = attrInts(node, 'kernel_shape') ?? [];
      if (!isStatic(x.slice(2))) return [[x[0]!, x[1]!, ...kernel.map(() => unknown())]];
      const geo = windowGeometry(node, [0, 0, ...(x.slice(2) as number[])], kernel);
      const y: Dim[] = [x[0]!, x[1]!, ...geo.out];
      return [y, y];
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
      return x ? [[x[0]!, x[1]!, ...x.slice(2).map(() => 1)]] : [];
    case 'Flatten': {
      if (!x) return [];
      const axis = normAxis(attrInt(node, 'axis', 1), x.length);
      const prod = (s: readonly Dim[]) =>
        s.length === 1 ? s[0]! : isStatic(s) ? s.reduce((p, q) => p * q, 1) : unknown();
      return [[prod(x.slice(0, axis)), prod(x.slice(axis))]];
    }
    case 'Reshape': {
      if (!x) return [];
      const target = attrInts(node, 'shape') ?? index.constValue(node.input[1] ?? '')?.values;
      if (!target) return [];
      const allowZero = attrInt(node, 'allowzero', 0) === 1;
      const out: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? x[i]! : d));
      const minus = out.indexOf(-1);
      if (minus >= 0) {
        const known = out.filter((_, i) => i !== minus);
        if (isStatic(x) && isStatic(known)) {
          const total = x.reduce((p, q) => p * q, 1);
          out[minus] = total / (known as number[]).reduce((p, q) => p * q, 1);
        } else {
          // A free batch dim carried through: total/known is that symbol when the rest matches.
          const sym = x.find((d) => typeof d === 'string');
          const staticX = x.filter((d) => typeof d === 'number') as number[];
          const staticK = known.filter((d) => typeof d === 'number') as number[];
          const symK = known.filter((d) => typeof d === 'string');
          if (
            sym !== undefined &&
            symK.length === 0 &&
            x.filter((d) => typeof d === 'string').length === 1
          ) {
            const ratio = staticX.reduce((p, q) => p * q, 1) / staticK.reduce((p, q) => p * q, 1);
            out[minus] = ratio === 1 ? sym : unknown();
          } else if (symK.length === 1 && symK[0] === sym) {
            out[minus] = staticX.reduce((p, q) => p * q, 1) / staticK.reduce((p, q) => p * q, 1);
          } else out[minus] = unknown();
        }
      }
      return [out];
    }
    case 'Transpose': {
      if (!x) return [];
      const perm = attrInts(node, 'perm') ?? x.map((_, i) => x.length - 1 - i);
      return [perm.map((p) => x[p]!)];
    }
    case 'Squeeze': {
      if (!x) return [];
      const axes = axesOf(index, node, 1)?.map((a) => normAxis(a, x.length));
      return [x.filter((d, i) => (axes ? !axes.includes(i) : d !== 1))];
    }
    case 'Unsqueeze': {
      if (!x) return [];
      const axes = axesOf(index, node, 1) ?? [];
      const r = x.length + axes.length;
      const out: Dim[] = [...x];
      for (const a of axes.map((v) => normAxis(v, r)).sort((p, q) => p - q)) out.splice(a, 0, 1);
      return [out];
    }
    case 'Concat': {
      const all = node.input.map((_, i) => inShape(i));
      if (all.some((s) => !s)) return [];
      const first = all[0]!;
      const axis = normAxis(attrInt(node, 'axis', 0), first.length);
      const out = [...first];
      const parts = all.map((s) => s![axis]!);
      out[axis] = parts.every((p) => typeof p === 'number')
        ? (parts as number[]).reduce((p, q) => p + q, 0)
        : unknown();
      return [out];
    }
    case 'Split': {
      if (!x) return [];
      const axis = normAxis(attrInt(node, 'axis', 0), x.length);
      let split =
        attrInts(node, 'split') ??
        (node.input[1] ? index.constValue(node.input[1])?.values : undefined);
      const n = node.output.length;
      if (!split) {
        const d = x[axis];
        if (typeof d !== 'number') return [];
        const chunk = Math.ceil(d / n);
        split = Array.from({ length: n }, (_, i) => Math.min(chunk, d - chunk * i));
      }
      return split.map((s) => x.map((d, i) => (i === axis ? s : d)));
    }
    case 'Slice': {
      if (!x) return [];
      const p = sliceParams(index, node, x);
      if (!p) return [];
      return [x.map((d, i) => p.counts[i] ?? d)];
    }
    case 'Pad': {
      if (!x) return [];
      const pads =
        attrInts(node, 'pads') ??
        attrInts(node, 'paddings') ??
        index.constValue(node.input[1] ?? '')?.values;
      if (!pads) return [];
      const r = x.length;
      let full = [...pads];
      const axesName = node.input[3];
      if (axesName) {
        const axes = index.constValue(axesName)?.values.map((a) => normAxis(a, r));
        if (!axes) return [];
        full = new Array<number>(2 * r).fill(0);
        axes.forEach((a, i) => {
          full[a] = pads[i]!;
          full[a + r] = pads[i + axes.length]!;
        });
      }
      return [x.map((d, i) => (typeof d === 'number' ? d + full[i]! + full[i + r]! : unknown()))];
    }
    case 'Resize':
    case 'Upsample': {
      if (!x) return [];
      const sizes = op === 'Resize' ? index.constValue(node.input[3] ?? '')?.values : undefined;
      if (sizes?.length) return [sizes];
      const scales =
        attrFloatsOrNull(node, 'scales') ??
        index.constValue(
          op === 'Resize'
            ? index.opset >= 11
              ? (node.input[2] ?? '')
              : (node.input[1] ?? '')
            : (node.input[1] ?? ''),
        )?.values;
      if (!scales?.length) return [];
      return [x.map((d, i) => (typeof d === 'number' ? Math.floor(d * scales[i]!) : d))];
    }
    case 'Gemm': {
      const a = inShape(0);
      const b = inShape(1);
      if (!a || !b) return [];
      const ta = attrInt(node, 'transA', 0);
      const tb = attrInt(node, 'transB', 0);
      return [[ta ? a[1]! : a[0]!, tb ? b[0]! : b[1]!]];
    }
    case 'MatMul': {
      const a = inShape(0);
      const b = inShape(1);
      if (!a || !b) return [];
      const a2 = a.length === 1 ? [1, a[0]!] : a;
      const b2 = b.length === 1 ? [b[0]!, 1] : b;
      const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2));
      const out: Dim[] = [...batch, a2[a2.length - 2]!, b2[b2.length - 1]!];
      if (a.length === 1) out.splice(out.length - 2, 1);
      if (b.length === 1) out.splice(out.length - 1, 1);
      return [out];
    }
    case 'ReduceMean':
    case 'ReduceSum':
    case 'ReduceMax':
    case 'ReduceMin':
    case 'ReduceProd':
    case 'ReduceL2':
    case 'ReduceSumSquare':
    case 'ArgMax':
    case 'ArgMin': {
      if (!x) return [];
      const keep = attrInt(node, 'keepdims', 1) === 1;
      let axes: number[] | undefined;
      if (op === 'ArgMax' || op === 'ArgMin') axes = [attrInt(node, 'axis', 0)];
      else axes = axesOf(index, node, 1);
      const noop = attrInt(node, 'noop_with_empty_axes', 0) === 1;
      if (!axes || axes.length === 0) {
        if (noop) return [x];
        axes = x.map((_, i) => i);
      }
      const ax = axes.map((a) => normAxis(a, x.length));
      return [
        keep ? x.map((d, i) => (ax.includes(i) ? 1 : d)) : x.filter((_, i) => !ax.includes(i)),
      ];
    }
    case 'Shape': {
      if (!x) return [];
      return [[x.length]];
    }
    case 'Gather': {
      const idx = inShape(1);
      if (!x || !idx) return [];
      const axis = normAxis(attrInt(node, 'axis', 0), x.length);
      return [[...x.slice(0, axis), ...idx, ...x.slice(axis + 1)]];
    }
    case 'Constant': {
      const v = index.constValue(node.output[0]!);
      return v ? [v.dims] : [];
    }
    case 'ConstantOfShape': {
      const v = index.constValue(node.input[0] ?? '');
      return v ? [v.values] : [];
    }
    case 'Expand': {
      const s = index.constValue(node.input[1] ?? '')?.values;
      return x && s ? [broadcastShapes(x, s)] : [];
    }
    default:
      return [];
  }
}

function attrFloatsOrNull(node: NodeProto, name: string): number[] | undefined {
  const a = getAttr(node, name);
  return a ? [...a.floats] : undefined;
}

/** Normalized Slice parameters per axis: start, step and element count (static shapes only). */
export function sliceParams(
  index: GraphIndex,
  node: NodeProto,
  x: Shape,
):
  | { axes: number[]; starts: number[]; steps: number[]; counts: Record<number, number> }
  | undefined {
  const r = x.length;
  const starts = attrInts(node, 'starts') ?? index.constValue(node.input[1] ?? '')?.values;
  const ends = attrInts(node, 'ends') ?? index.constValue(node.input[2] ?? '')?.values;
  if (!starts || !ends) return undefined;
  const axes = (
    attrInts(node, 'axes') ??
    (node.input[3] ? index.constValue(node.input[3])?.values : undefined) ??
    starts.map((_, i) => i)
  ).map((a) => normAxis(a, r));
  const steps =
    (node.input[4] ? index.constValue(node.input[4])?.values : undefined) ?? starts.map(() => 1);
  const outStarts: number[] = [];
  const counts: Record<number, number> = {};
  for (let i = 0; i < axes.length; i++) {
    const ax = axes[i]!;
    const d = x[ax];
    if (typeof d !== 'number') return undefined;
    const step = steps[i]!;
    let s = starts[i]!;
    let e = ends[i]!;
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (step > 0) {
      s = Math.max(0, Math.min(d, s));
      e = Math.max(0, Math.min(d, e));
      counts[ax] = Math.max(0, Math.ceil((e - s) / step));
    } else {
      s = Math.max(-1, Math.min(d - 1, s));
      e = Math.max(-1, Math.min(d - 1, e));
      counts[ax] = Math.max(0, Math.ceil((s - e) / -step));
    }
    outStarts.push(s);
  }
  return { axes, starts: outStarts, steps: [...steps], counts };
}

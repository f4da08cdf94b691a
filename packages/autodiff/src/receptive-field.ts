// Receptive fields from the graph (Araujo, Norris & Sim, "Computing Receptive Fields of
// Convolutional Neural Networks", Distill 2019): walking the nodes in order from the model input,
// every tensor that depends on the input gets, per spatial axis, the affine map from its positions
// to input pixels — position p sees [start + p·jump, start + p·jump + size). Windows (Conv, pools)
// grow the size by (k' − 1)·jump and multiply the jump by the stride; pads move the start; branches
// that meet (Add, Concat, Mul) take the union; anything that mixes all positions (global pooling,
// Flatten, Gemm, instance statistics) makes the field global. Unknown ops are errors, never guesses.
import { type AxisReceptiveField, FvError, type Layout, type ReceptiveField } from '@fv/core';
import { GraphIndex } from './graph.js';
import {
  asModel,
  attrInt,
  attrInts,
  attributeReader,
  attrString,
  type ModelInput,
  type NodeProto,
} from './onnx.js';
import { defaultRegistry } from './rules/index.js';
import { sliceParams, windowGeometry } from './shapes/functions.js';
import { inferShapes, type ShapeTable } from './shapes/infer.js';

/** Options of {@link receptiveField}. */
export interface ReceptiveFieldOptions {
  /** Model input the field is measured in. @defaultValue the model's first input */
  readonly input?: string;
  /**
   * Input size `[height, width]` in pixels, needed when the model leaves it free.
   * @defaultValue the input's static shape
   */
  readonly inputSize?: readonly [number, number];
  /**
   * Layout of the input. @defaultValue `'NHWC'` when the last axis is 1 or 3 and axis 1 is not
   * (as `@fv/core`'s `resolveModelConfig` decides), else `'NCHW'`
   */
  readonly layout?: Layout;
}

/** A tensor's field: which of its axes are height and width, and the map per axis. */
type Field =
  | { readonly global: true }
  | {
      readonly global: false;
      readonly axes: readonly [number, number];
      readonly y: AxisReceptiveField;
      readonly x: AxisReceptiveField;
    };

const GLOBAL: Field = { global: true };

/** Ops that act position by position: the output position sees what its inputs' positions see. */
const POINTWISE = new Set([
  'Abs',
  'Acos',
  'Add',
  'And',
  'Asin',
  'Atan',
  'BatchNormalization',
  'Cast',
  'CastLike',
  'Ceil',
  'Celu',
  'Clip',
  'Cos',
  'DequantizeLinear',
  'Div',
  'Dropout',
  'Elu',
  'Equal',
  'Erf',
  'Exp',
  'Expand',
  'Floor',
  'Gelu',
  'Greater',
  'GreaterOrEqual',
  'HardSigmoid',
  'HardSwish',
  'Identity',
  'IsInf',
  'IsNaN',
  'LeakyRelu',
  'Less',
  'LessOrEqual',
  'Log',
  'LRN',
  'Max',
  'Mean',
  'Min',
  'Mish',
  'Mod',
  'Mul',
  'Neg',
  'Not',
  'Or',
  'Pow',
  'PRelu',
  'QuantizeLinear',
  'Reciprocal',
  'Relu',
  'Round',
  'Selu',
  'Sigmoid',
  'Sign',
  'Sin',
  'Softplus',
  'Softsign',
  'Sqrt',
  'Sub',
  'Sum',
  'Tan',
  'Tanh',
  'ThresholdedRelu',
  'Where',
  'Xor',
]);

/** Ops whose every output position depends on every input position. */
const MIXING = new Set([
  'DynamicQuantizeLinear',
  'Flatten',
  'Gemm',
  'GlobalAveragePool',
  'GlobalLpPool',
  'GlobalMaxPool',
  'InstanceNormalization',
  'MatMul',
  'MatMulInteger',
  'MeanVarianceNormalization',
  'Reshape',
  'Squeeze',
  'Tile',
  'Unsqueeze',
]);

/** Ops with a sliding window over the two spatial axes of an NCHW tensor. */
const WINDOWS = new Set(['Conv', 'ConvInteger', 'MaxPool', 'AveragePool', 'LpPool']);

/** Reductions and normalizations over `axes`: local when no spatial axis is among them. */
const REDUCTIONS = new Set([
  'ArgMax',
  'ArgMin',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceMax',
  'ReduceMean',
  'ReduceMin',
  'ReduceProd',
  'ReduceSum',
  'ReduceSumSquare',
]);

/** Ops that read only their input's shape, never its values. */
const SHAPE_ONLY = new Set(['Shape', 'Size', 'ConstantOfShape', 'EyeLike']);

const sameJump = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, a, b);

function unionAxis(a: AxisReceptiveField, b: AxisReceptiveField): AxisReceptiveField | undefined {
  if (!sameJump(a.jump, b.jump)) return undefined;
  const start = Math.min(a.start, b.start);
  const end = Math.max(a.start + a.size, b.start + b.size);
  return { jump: a.jump, start, size: end - start };
}

/** Union of the fields of a node's inputs: positions line up, or the result is global. */
function union(fields: readonly Field[]): Field {
  let out: Field | undefined;
  for (const f of fields) {
    if (f.global) return GLOBAL;
    if (!out) {
      out = f;
      continue;
    }
    if (out.global) return GLOBAL;
    if (out.axes[0] !== f.axes[0] || out.axes[1] !== f.axes[1]) return GLOBAL;
    const y = unionAxis(out.y, f.y);
    const x = unionAxis(out.x, f.x);
    if (!y || !x) return GLOBAL;
    out = { global: false, axes: out.axes, y, x };
  }
  return out ?? GLOBAL;
}

const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/**
 * The receptive field of every position of `layer` in the model input, from the graph: kernels,
 * strides, dilations and pads of Conv, ConvTranspose and pooling nodes, explicit Pad and Slice,
 * Resize, Transpose, and the union where branches meet (residual Add, Concat). Exact for
 * convolutions, pools and constant pads; conservative (a superset) for reflect or edge padding,
 * Resize, and branches whose strides differ (global). A position's true input-gradient footprint
 * always lies inside its field.
 * @example
 * const field = receptiveField(bytes, 'conv2');
 * receptiveRegion(field, 3, 5); // { x, y, width, height } in input pixels (@fv/core)
 * @throws FvError `UNKNOWN_TENSOR` for a layer or input that is not in the model (or a layer that
 *   does not depend on the input), `UNSUPPORTED_OP` for an op on the path this function has no
 *   rule for, `INVALID_ARGUMENT` when the input size is unknown.
 */
export function receptiveField(
  model: ModelInput,
  layer: string,
  options: ReceptiveFieldOptions = {},
): ReceptiveField {
  const index = new GraphIndex(asModel(model));
  const input = options.input ?? index.realInputs[0];
  if (input === undefined || !index.realInputs.includes(input)) {
    throw new FvError('UNKNOWN_TENSOR', `Input '${String(input)}' is not an input of the model`, {
      input,
    });
  }
  if (!index.has(layer)) {
    throw new FvError('UNKNOWN_TENSOR', `Layer '${layer}' is not in the model`, { layer });
  }
  const { shape: inputShape, layout } = inputShapeOf(index, input, options);
  const [hAxis, wAxis] = layout === 'NCHW' ? [2, 3] : [1, 2];
  const inputHeight = inputShape[hAxis]!;
  const inputWidth = inputShape[wAxis]!;
  const shapes = inferShapes(index, defaultRegistry, { inputShapes: { [input]: inputShape } });

  const fields = new Map<string, Field>();
  const unit: AxisReceptiveField = { jump: 1, start: 0, size: 1 };
  fields.set(input, { global: false, axes: [hAxis, wAxis], y: unit, x: unit });
  for (const node of index.graph.node) {
    if (fields.has(layer)) break;
    const inputs = node.input.map((name) => (name ? fields.get(name) : undefined));
    if (inputs.every((f) => f === undefined) || SHAPE_ONLY.has(node.opType)) continue;
    const out = propagate(index, node, inputs, shapes, layer);
    for (const name of node.output) if (name) fields.set(name, out);
  }
  const field = fields.get(layer);
  if (!field) {
    throw new FvError(
      'UNKNOWN_TENSOR',
      `Layer '${layer}' does not depend on input '${input}', so it has no receptive field`,
      { layer, input },
    );
  }
  if (field.global || shapes.get(layer)?.length !== 4) {
    // Not a feature map (or one behind a global op): every value sees the whole input.
    return {
      layer,
      input,
      inputHeight,
      inputWidth,
      y: { jump: 0, start: 0, size: inputHeight },
      x: { jump: 0, start: 0, size: inputWidth },
      global: true,
    };
  }
  return { layer, input, inputHeight, inputWidth, y: field.y, x: field.x, global: false };
}

/** The input's shape with batch 1 and the given size, and its layout. */
function inputShapeOf(
  index: GraphIndex,
  input: string,
  options: ReceptiveFieldOptions,
): { shape: number[]; layout: Layout } {
  const vi = index.graph.input.find((i) => i.name === input);
  const dims = vi?.type?.value.case === 'tensorType' ? vi.type.value.value.shape?.dim : undefined;
  const declared = (dims ?? []).map((d) =>
    d.value.case === 'dimValue' ? Number(d.value.value) : undefined,
  );
  if (declared.length !== 4) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Input '${input}' must be a 4-D image tensor for a receptive field, got rank ${declared.length}`,
      { input },
    );
  }
  const shape = declared.map((d, i) => (i === 0 ? 1 : d));
  const layout =
    options.layout ??
    ((shape[3] === 1 || shape[3] === 3) && shape[1] !== 1 && shape[1] !== 3 ? 'NHWC' : 'NCHW');
  const [hAxis, wAxis, cAxis] = layout === 'NCHW' ? [2, 3, 1] : [1, 2, 3];
  if (options.inputSize) {
    const [h, w] = options.inputSize;
    if (!(Number.isInteger(h) && h > 0 && Number.isInteger(w) && w > 0)) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `inputSize must be two positive integers, got [${options.inputSize.join(', ')}]`,
      );
    }
    shape[hAxis] = h;
    shape[wAxis] = w;
  }
  if (shape[cAxis] === undefined) shape[cAxis] = 3;
  if (shape[hAxis] === undefined || shape[wAxis] === undefined) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Input '${input}' has a free height or width: pass inputSize to compute a receptive field`,
      { input },
    );
  }
  return { shape: shape as number[], layout };
}

function unsupported(node: NodeProto, layer: string, why: string): never {
  throw new FvError(
    'UNSUPPORTED_OP',
    `Receptive field of '${layer}': ${node.opType} node '${node.name || node.output[0]}' ${why}`,
    { opType: node.opType, node: node.name, layer },
  );
}

function staticShape(shapes: ShapeTable, name: string): number[] | undefined {
  const s = shapes.get(name);
  return s?.every((d) => typeof d === 'number') ? (s as number[]) : undefined;
}

function propagate(
  index: GraphIndex,
  node: NodeProto,
  inputs: readonly (Field | undefined)[],
  shapes: ShapeTable,
  layer: string,
): Field {
  const op = node.opType;
  const carried = inputs.filter((f): f is Field => f !== undefined);
  if (carried.some((f) => f.global)) return GLOBAL;
  const x = inputs[0];
  if (POINTWISE.has(op)) return union(carried);
  if (MIXING.has(op)) return GLOBAL;
  if (op === 'Concat' || op === 'Split') {
    const rank = shapes.get(node.input[0] ?? '')?.length ?? 4;
    const axis = normAxis(attrInt(node, 'axis', op === 'Split' ? 0 : 1), rank);
    const f = union(carried);
    return !f.global && f.axes.includes(axis) ? GLOBAL : f;
  }
  if (
    REDUCTIONS.has(op) ||
    op === 'Softmax' ||
    op === 'LogSoftmax' ||
    op === 'Hardmax' ||
    op === 'LayerNormalization'
  ) {
    if (!x || x.global || inputs.slice(1).some((f) => f !== undefined)) return GLOBAL;
    const rank = shapes.get(node.input[0] ?? '')?.length;
    if (rank === undefined) return GLOBAL;
    let axes: number[];
    if (REDUCTIONS.has(op)) {
      const given =
        attrInts(node, 'axes') ??
        (op.startsWith('Arg') ? [attrInt(node, 'axis', 0)] : undefined) ??
        (node.input[1] ? shapes.constValue(node.input[1])?.values : undefined);
      if (!given || given.length === 0) return GLOBAL;
      if (attrInt(node, 'keepdims', 1) === 0) return GLOBAL;
      axes = given.map((a) => normAxis(a, rank));
    } else {
      const opset13 = index.opset >= 13 && op !== 'LayerNormalization';
      const axis = normAxis(
        attrInt(node, 'axis', op === 'LayerNormalization' || opset13 ? -1 : 1),
        rank,
      );
      // Before opset 13 softmax flattens every axis from `axis` on; LayerNorm normalizes them all.
      axes = opset13 ? [axis] : Array.from({ length: rank - axis }, (_, i) => axis + i);
    }
    return axes.some((a) => x.axes.includes(a)) ? GLOBAL : x;
  }
  if (!x) {
    // The input-dependent tensor enters as a weight, a pad amount or a shape: no spatial map.
    return GLOBAL;
  }
  if (x.global) return GLOBAL;
  if (op === 'Transpose') {
    const rank = shapes.get(node.input[0] ?? '')?.length ?? 4;
    const perm = attrInts(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    return {
      ...x,
      axes: [perm.indexOf(x.axes[0]), perm.indexOf(x.axes[1])] as [number, number],
    };
  }
  if (WINDOWS.has(op)) {
    if (inputs.slice(1).some((f) => f !== undefined)) return GLOBAL;
    if (x.axes[0] !== 2 || x.axes[1] !== 3) {
      unsupported(node, layer, 'runs over axes that are not the image height and width');
    }
    const shape = staticShape(shapes, node.input[0] ?? '');
    if (shape?.length !== 4) unsupported(node, layer, 'needs a static 4-D input shape');
    const kernel = kernelOf(node, shapes);
    if (kernel?.length !== 2) unsupported(node, layer, 'needs a 2-D kernel');
    const geo = windowGeometry(attributeReader(node, index.opset), shape, kernel);
    const axis = (f: AxisReceptiveField, i: number): AxisReceptiveField => {
      const reach = geo.dilations[i]! * (kernel[i]! - 1);
      return {
        jump: f.jump * geo.strides[i]!,
        start: f.start - geo.pads[i]! * f.jump,
        size: f.size + reach * f.jump,
      };
    };
    return { ...x, y: axis(x.y, 0), x: axis(x.x, 1) };
  }
  if (op === 'ConvTranspose') {
    if (inputs.slice(1).some((f) => f !== undefined)) return GLOBAL;
    if (x.axes[0] !== 2 || x.axes[1] !== 3) {
      unsupported(node, layer, 'runs over axes that are not the image height and width');
    }
    const shape = staticShape(shapes, node.input[0] ?? '');
    const kernel = kernelOf(node, shapes);
    if (shape?.length !== 4 || !kernel || kernel.length !== 2) {
      unsupported(node, layer, 'needs a static 4-D input and a 2-D kernel');
    }
    const strides = attrInts(node, 'strides') ?? [1, 1];
    const dilations = attrInts(node, 'dilations') ?? [1, 1];
    const outputPadding = attrInts(node, 'output_padding') ?? [0, 0];
    const outputShape = attrInts(node, 'output_shape');
    const autoPad = attrString(node, 'auto_pad', 'NOTSET');
    let pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
    if (outputShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      pads = [0, 0, 0, 0];
      for (let i = 0; i < 2; i++) {
        const reach = dilations[i]! * (kernel[i]! - 1) + 1;
        const inSize = shape[2 + i]!;
        const out = outputShape?.[outputShape.length - 2 + i] ?? inSize * strides[i]!;
        const total = strides[i]! * (inSize - 1) + outputPadding[i]! + reach - out;
        pads[i] = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
        pads[i + 2] = total - pads[i]!;
      }
    }
    // Output o gathers inputs i with i·s − p ≤ o ≤ i·s − p + k' − 1, i.e. i ∈ [(o + p − k' + 1)/s,
    // (o + p)/s]: a fractional jump 1/s, widened to the whole real interval (a superset).
    const axis = (f: AxisReceptiveField, i: number): AxisReceptiveField => {
      const s = strides[i]!;
      const reach = dilations[i]! * (kernel[i]! - 1);
      return {
        jump: f.jump / s,
        start: f.start + ((pads[i]! - reach) / s) * f.jump,
        size: f.size + (reach / s) * f.jump,
      };
    };
    return { ...x, y: axis(x.y, 0), x: axis(x.x, 1) };
  }
  if (op === 'Pad') {
    if (inputs.slice(1).some((f) => f !== undefined)) return GLOBAL;
    const rank = shapes.get(node.input[0] ?? '')?.length ?? 4;
    const pads =
      attrInts(node, 'pads') ??
      (node.input[1] ? shapes.constValue(node.input[1])?.values : undefined);
    if (!pads) unsupported(node, layer, 'has pads that are not constant');
    const axesGiven = node.input[3] ? shapes.constValue(node.input[3])?.values : undefined;
    const axes = (axesGiven ?? Array.from({ length: rank }, (_, i) => i)).map((a) =>
      normAxis(a, rank),
    );
    const n = axes.length;
    const mode = attrString(node, 'mode', 'constant');
    if (mode === 'wrap') return GLOBAL;
    const axis = (f: AxisReceptiveField, tensorAxis: number): AxisReceptiveField => {
      const k = axes.indexOf(tensorAxis);
      if (k < 0) return f;
      const before = pads[k]!;
      const after = pads[k + n]!;
      // constant: a padded position sees nothing new; edge and reflect copy border positions
      // from up to `before`/`after` (edge) or 2× that (reflect) positions away: widen.
      const reach = mode === 'reflect' ? 2 : mode === 'edge' ? 1 : 0;
      const left = reach * Math.max(0, after);
      return {
        jump: f.jump,
        start: f.start - before * f.jump - left * f.jump,
        size: f.size + reach * (Math.max(0, before) + Math.max(0, after)) * f.jump,
      };
    };
    return { ...x, y: axis(x.y, x.axes[0]), x: axis(x.x, x.axes[1]) };
  }
  if (op === 'Slice') {
    if (inputs.slice(1).some((f) => f !== undefined)) return GLOBAL;
    const shape = shapes.get(node.input[0] ?? '');
    const args = {
      ...attributeReader(node, index.opset),
      constant: (i: number) => (node.input[i] ? shapes.constValue(node.input[i]!) : undefined),
    };
    const params = shape ? sliceParams(args, shape) : undefined;
    if (!params) unsupported(node, layer, 'has starts, ends or a shape that are not static');
    const axis = (f: AxisReceptiveField, tensorAxis: number): AxisReceptiveField | undefined => {
      const k = params.axes.indexOf(tensorAxis);
      if (k < 0) return f;
      const step = params.steps[k]!;
      if (step <= 0) return undefined;
      return { jump: f.jump * step, start: f.start + params.starts[k]! * f.jump, size: f.size };
    };
    const yy = axis(x.y, x.axes[0]);
    const xx = axis(x.x, x.axes[1]);
    return yy && xx ? { ...x, y: yy, x: xx } : GLOBAL;
  }
  if (op === 'Resize' || op === 'Upsample') {
    if (x.axes[0] !== 2 || x.axes[1] !== 3) return GLOBAL;
    const inShape = staticShape(shapes, node.input[0] ?? '');
    const outShape = staticShape(shapes, node.output[0] ?? '');
    if (!inShape || !outShape) unsupported(node, layer, 'needs static input and output shapes');
    const mode = attrString(node, 'mode', 'nearest');
    const transform = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
    // Sample coordinate u = (o + 0.5)/s − 0.5 under half-pixel centres; nearest and linear read
    // inputs within 1 of u, cubic within 2; other coordinate transforms move u by under 1.
    const margin = (mode === 'cubic' ? 2 : 1) + (transform === 'half_pixel' ? 0 : 1);
    const axis = (f: AxisReceptiveField, i: number): AxisReceptiveField => {
      const s = outShape[2 + i]! / inShape[2 + i]!;
      return {
        jump: f.jump / s,
        start: f.start + (0.5 / s - 0.5 - margin) * f.jump,
        size: f.size + 2 * margin * f.jump,
      };
    };
    return { ...x, y: axis(x.y, 0), x: axis(x.x, 1) };
  }
  return unsupported(node, layer, 'has no receptive-field rule');
}

/** Kernel size of a window op: `kernel_shape`, else the spatial dims of its weight. */
function kernelOf(node: NodeProto, shapes: ShapeTable): number[] | undefined {
  const given = attrInts(node, 'kernel_shape');
  if (given) return given;
  const weight = staticShape(shapes, node.input[1] ?? '');
  return weight && weight.length >= 3 ? weight.slice(2) : undefined;
}

// An indexed, read-only view of an ONNX graph: who produces and consumes each tensor, which
// tensors are constant, and their values when they are small enough to be needed statically.
import { FvError } from '@fv/core';
import {
  attrInt,
  DataType,
  defaultOpset,
  type GraphProto,
  getAttr,
  isFloatType,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  tensorValues,
  valueInfoType,
} from './onnx.js';

/** Ops whose outputs are integer or boolean whatever their inputs: no gradient flows through them. */
const NON_FLOAT_OUTPUT_OPS = new Set([
  'Shape',
  'Size',
  'ArgMax',
  'ArgMin',
  'Equal',
  'Greater',
  'Less',
  'GreaterOrEqual',
  'LessOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'NonZero',
  'IsNaN',
  'IsInf',
]);

/** Whether a node's outputs are floats (so gradients can flow through it). */
export function producesFloat(node: NodeProto): boolean {
  if (NON_FLOAT_OUTPUT_OPS.has(node.opType)) return false;
  return node.opType !== 'Cast' || isFloatType(attrInt(node, 'to', DataType.FLOAT));
}

/** A tensor value known at build time. */
export interface ConstValue {
  readonly elemType: number;
  readonly dims: readonly number[];
  readonly values: readonly number[];
}

export class GraphIndex {
  readonly graph: GraphProto;
  readonly opset: number;
  readonly producer = new Map<string, { node: NodeProto; index: number; outputIndex: number }>();
  readonly consumers = new Map<string, { node: NodeProto; index: number; inputIndex: number }[]>();
  readonly initializers = new Map<string, TensorProto>();
  /** Graph inputs that are not initializers: what the user feeds. */
  readonly realInputs: string[];
  readonly elemTypes = new Map<string, number>();
  private readonly constCache = new Map<string, ConstValue | null>();

  constructor(model: ModelProto) {
    const graph = model.graph;
    if (!graph) throw new FvError('INVALID_MODEL', 'Model has no graph');
    this.graph = graph;
    this.opset = defaultOpset(model);
    for (const t of graph.initializer) {
      this.initializers.set(t.name, t);
      this.elemTypes.set(t.name, t.dataType);
    }
    this.realInputs = graph.input.map((i) => i.name).filter((n) => !this.initializers.has(n));
    for (const vi of [...graph.input, ...graph.valueInfo, ...graph.output]) {
      const t = valueInfoType(vi);
      if (t && !this.elemTypes.has(vi.name)) this.elemTypes.set(vi.name, t.elemType);
    }
    graph.node.forEach((node, index) => {
      node.output.forEach((out, outputIndex) => {
        if (out) this.producer.set(out, { node, index, outputIndex });
      });
      node.input.forEach((inp, inputIndex) => {
        if (!inp) return;
        let list = this.consumers.get(inp);
        if (!list) {
          list = [];
          this.consumers.set(inp, list);
        }
        list.push({ node, index, inputIndex });
      });
    });
  }

  has(name: string): boolean {
    return this.producer.has(name) || this.initializers.has(name) || this.realInputs.includes(name);
  }

  /** True when the tensor does not depend on any real graph input. */
  isConstant(name: string, seen = new Set<string>()): boolean {
    if (name === '') return true;
    if (this.initializers.has(name)) return true;
    if (this.realInputs.includes(name)) return false;
    const p = this.producer.get(name);
    if (!p) return false;
    if (seen.has(name)) return true;
    seen.add(name);
    return p.node.input.every((i) => this.isConstant(i, seen));
  }

  /** The value of a constant tensor: initializer, Constant node, or a folded small subgraph. */
  constValue(name: string): ConstValue | undefined {
    if (name === '') return undefined;
    const cached = this.constCache.get(name);
    if (cached !== undefined) return cached ?? undefined;
    let value: ConstValue | undefined;
    const init = this.initializers.get(name);
    if (init) {
      value = {
        elemType: init.dataType,
        dims: init.dims.map(Number),
        values: tensorValues(init),
      };
    } else {
      const p = this.producer.get(name);
      if (p && p.node.opType === 'Constant') {
        const t = getAttr(p.node, 'value')?.t;
        if (t) value = { elemType: t.dataType, dims: t.dims.map(Number), values: tensorValues(t) };
        const vf = getAttr(p.node, 'value_float');
        if (vf) value = { elemType: DataType.FLOAT, dims: [], values: [vf.f] };
        const vfs = getAttr(p.node, 'value_floats');
        if (vfs)
          value = { elemType: DataType.FLOAT, dims: [vfs.floats.length], values: [...vfs.floats] };
        const vi = getAttr(p.node, 'value_int');
        if (vi) value = { elemType: DataType.INT64, dims: [], values: [Number(vi.i)] };
        const vis = getAttr(p.node, 'value_ints');
        if (vis)
          value = {
            elemType: DataType.INT64,
            dims: [vis.ints.length],
            values: vis.ints.map(Number),
          };
      }
    }
    this.constCache.set(name, value ?? null);
    return value;
  }

  /** Records a value found by constant folding during shape inference. */
  setConstValue(name: string, value: ConstValue): void {
    this.constCache.set(name, value);
  }
}

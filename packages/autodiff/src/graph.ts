// An indexed, read-only view of an ONNX graph: who produces and consumes each tensor, which
// tensors are constant, and the values of initializers and Constant nodes.
import { FvError } from '@fv/core';
import {
  DataType,
  defaultOpset,
  type GraphProto,
  getAttr,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  tensorValues,
  valueInfoType,
} from './onnx.js';
import type { ConstValue, ValueSource } from './shapes/values.js';

/** The value of a Constant node, or `undefined` for forms fv does not read (sparse, strings). */
export function constantNodeValue(node: NodeProto): ConstValue | undefined {
  const t = getAttr(node, 'value')?.t;
  if (t) return { elemType: t.dataType, dims: t.dims.map(Number), values: tensorValues(t) };
  const vf = getAttr(node, 'value_float');
  if (vf) return { elemType: DataType.FLOAT, dims: [], values: [vf.f] };
  const vfs = getAttr(node, 'value_floats');
  if (vfs) return { elemType: DataType.FLOAT, dims: [vfs.floats.length], values: [...vfs.floats] };
  const vi = getAttr(node, 'value_int');
  if (vi) return { elemType: DataType.INT64, dims: [], values: [Number(vi.i)] };
  const vis = getAttr(node, 'value_ints');
  if (vis)
    return { elemType: DataType.INT64, dims: [vis.ints.length], values: vis.ints.map(Number) };
  return undefined;
}

export class GraphIndex implements ValueSource {
  readonly graph: GraphProto;
  /** Opset of the default ONNX domain. */
  readonly opset: number;
  readonly producer = new Map<string, { node: NodeProto; index: number; outputIndex: number }>();
  readonly consumers = new Map<string, { node: NodeProto; index: number; inputIndex: number }[]>();
  readonly initializers = new Map<string, TensorProto>();
  /** Graph inputs that are not initializers: what the user feeds. */
  readonly realInputs: string[];
  /** Element types the model declares (initializers, inputs, value infos, outputs). */
  readonly elemTypes = new Map<string, number>();
  private readonly realInputSet: Set<string>;
  private readonly constCache = new Map<string, ConstValue | null>();
  private readonly constantCache = new Map<string, boolean>();

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
    this.realInputSet = new Set(this.realInputs);
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
    return this.producer.has(name) || this.initializers.has(name) || this.realInputSet.has(name);
  }

  isRealInput(name: string): boolean {
    return this.realInputSet.has(name);
  }

  /** True when the tensor does not depend on any real graph input. */
  isConstant(name: string): boolean {
    if (name === '' || this.initializers.has(name)) return true;
    if (this.realInputSet.has(name)) return false;
    if (this.constantCache.size === 0) {
      // Nodes are in topological order (ONNX requires it): one pass decides every output.
      const constant = (i: string) =>
        !i || this.initializers.has(i) || this.constantCache.get(i) === true;
      for (const node of this.graph.node) {
        const c = node.input.every(constant);
        for (const o of node.output) if (o) this.constantCache.set(o, c);
      }
    }
    return this.constantCache.get(name) ?? false;
  }

  /** The value of an initializer or a Constant node's output (not of computed tensors). */
  constValue(name: string): ConstValue | undefined {
    if (name === '') return undefined;
    const cached = this.constCache.get(name);
    if (cached !== undefined) return cached ?? undefined;
    let value: ConstValue | undefined;
    const init = this.initializers.get(name);
    if (init) {
      value = { elemType: init.dataType, dims: init.dims.map(Number), values: tensorValues(init) };
    } else {
      const p = this.producer.get(name);
      if (p && p.node.opType === 'Constant' && !p.node.domain) value = constantNodeValue(p.node);
    }
    this.constCache.set(name, value ?? null);
    return value;
  }

  /** Number of elements of an initializer or Constant output, without decoding it. */
  constSize(name: string): number | undefined {
    const init = this.initializers.get(name);
    if (init) return init.dims.reduce((p, d) => p * Number(d), 1);
    const p = this.producer.get(name);
    if (p && p.node.opType === 'Constant') {
      const t = getAttr(p.node, 'value')?.t;
      if (t) return t.dims.reduce((q, d) => q * Number(d), 1);
      return this.constValue(name)?.values.length;
    }
    return undefined;
  }
}

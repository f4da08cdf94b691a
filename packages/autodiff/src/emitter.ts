// Writes the nodes, initializers and inputs a gradient graph adds: fresh unique names, constants,
// and the opset-aware forms of the ops rules build with (attribute axes before opset 13, pads
// before 11, Where from 9). One writer per build; nothing here is shared between builds.
import { FvError } from '@fv/core';
import type { GraphIndex } from './graph.js';
import {
  type AttrValue,
  DataType,
  makeFloatTensor,
  makeInt64Tensor,
  makeNode,
  makeValueInfo,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnx.js';
import type { Dim, Shape } from './shapes/dims.js';

export class GraphWriter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  private readonly taken = new Set<string>();
  private counter = 0;

  constructor(
    index: GraphIndex,
    /** Opset of the default domain: the form each emitted op takes. */
    readonly opset: number,
  ) {
    const graph = index.graph;
    for (const n of graph.node) {
      for (const o of n.output) this.taken.add(o);
      this.taken.add(n.name);
    }
    for (const i of graph.input) this.taken.add(i.name);
    for (const i of graph.initializer) this.taken.add(i.name);
    for (const o of graph.output) this.taken.add(o.name);
  }

  /** Whether a name is used by the model or by this writer. */
  isTaken(name: string): boolean {
    return this.taken.has(name);
  }

  /** A new name `fv/<base>_<k>` (or `<prefix><base>_<k>`) that nothing in the model uses. */
  fresh(base: string, prefix = 'fv/'): string {
    let name: string;
    do name = `${prefix}${base}_${this.counter++}`;
    while (this.taken.has(name));
    this.taken.add(name);
    return name;
  }

  /** Claims a fixed name; throws INVALID_MODEL when the model already uses it. */
  claim(name: string): string {
    if (this.taken.has(name))
      throw new FvError('INVALID_MODEL', `The model already has a tensor named ${name}`);
    this.taken.add(name);
    return name;
  }

  emit(
    opType: string,
    inputs: readonly string[],
    attrs: Readonly<Record<string, AttrValue>> = {},
    outputs = 1,
    base = opType,
  ): string[] {
    const outs = Array.from({ length: outputs }, () => this.fresh(base));
    this.nodes.push(makeNode(opType, inputs, outs, this.fresh(`${base}_node`), attrs));
    return outs;
  }

  /** A node writing to a given output name. */
  emitTo(
    opType: string,
    inputs: readonly string[],
    output: string,
    attrs: Readonly<Record<string, AttrValue>> = {},
  ): void {
    this.nodes.push(makeNode(opType, inputs, [output], this.fresh(`${opType}_node`), attrs));
  }

  /** Emits one single-output node and returns its output name. */
  op(
    opType: string,
    inputs: readonly string[],
    attrs: Readonly<Record<string, AttrValue>> = {},
  ): string {
    return this.emit(opType, inputs, attrs, 1)[0]!;
  }

  constFloat(values: ArrayLike<number>, dims: readonly number[]): string {
    const tensor = makeFloatTensor('', dims, values);
    return this.emit('Constant', [], { value: { tensor } }, 1, 'const')[0]!;
  }

  constInt64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const tensor = makeInt64Tensor('', dims, values);
    return this.emit('Constant', [], { value: { tensor } }, 1, 'const')[0]!;
  }

  /** A float initializer (a precomputed weight copy). */
  addInitializer(values: Float32Array, dims: readonly number[]): string {
    const name = this.fresh('weights');
    this.initializers.push(makeFloatTensor(name, dims, values));
    return name;
  }

  /** A new float graph input. */
  addInput(name: string, dims: Shape): void {
    this.inputs.push(makeValueInfo(name, DataType.FLOAT, dims as Dim[]));
  }

  // Opset-aware helpers (attribute form before the opset that moved the argument to an input).

  reduceSum(x: string, axes: readonly number[], keepdims: boolean): string {
    const keep = { keepdims: { int: keepdims ? 1 : 0 } };
    return this.opset >= 13
      ? this.op('ReduceSum', [x, this.constInt64([...axes])], keep)
      : this.op('ReduceSum', [x], { axes: { ints: axes }, ...keep });
  }

  unsqueeze(x: string, axes: readonly number[]): string {
    return this.opset >= 13
      ? this.op('Unsqueeze', [x, this.constInt64([...axes])])
      : this.op('Unsqueeze', [x], { axes: { ints: axes } });
  }

  squeeze(x: string, axes: readonly number[]): string {
    return this.opset >= 13
      ? this.op('Squeeze', [x, this.constInt64([...axes])])
      : this.op('Squeeze', [x], { axes: { ints: axes } });
  }

  reshape(x: string, dims: readonly number[]): string {
    return this.opset >= 5
      ? this.op('Reshape', [x, this.constInt64([...dims])])
      : this.op('Reshape', [x], { shape: { ints: dims } });
  }

  slice(
    x: string,
    starts: readonly number[],
    ends: readonly number[],
    axes: readonly number[],
    steps?: readonly number[],
  ): string {
    if (this.opset >= 10) {
      const ins = [x, this.constInt64([...starts]), this.constInt64([...ends])];
      ins.push(this.constInt64([...axes]));
      if (steps?.some((s) => s !== 1)) ins.push(this.constInt64([...steps]));
      return this.op('Slice', ins);
    }
    if (steps?.some((s) => s !== 1)) {
      throw new FvError(
        'UNSUPPORTED_OP',
        `Strided slicing needs opset 10 or newer (model opset ${this.opset})`,
      );
    }
    return this.op('Slice', [x], {
      starts: { ints: starts },
      ends: { ints: ends },
      axes: { ints: axes },
    });
  }

  pad(x: string, pads: readonly number[], value = 0): string {
    return this.opset >= 11
      ? this.op('Pad', [x, this.constInt64([...pads]), this.constFloat([value], [])])
      : this.op('Pad', [x], {
          pads: { ints: pads },
          value: { float: value },
          mode: { string: 'constant' },
        });
  }

  /** `mask ? a : 0` for a boolean mask (Where from opset 9, Cast and Mul before). */
  select(mask: string, a: string): string {
    return this.opset >= 9
      ? this.op('Where', [mask, a, this.constFloat([0], [])])
      : this.op('Mul', [a, this.op('Cast', [mask], { to: { int: DataType.FLOAT } })]);
  }

  /**
   * A boolean mask as a float 0/1 tensor: `Where(mask, 1, 0)` from opset 9, `Cast` before. Not
   * `Cast`, because onnxruntime-web's Cast kernel is one 490 KB wasm function: V8's background
   * TurboFan tier-up of it takes 1-3 s of CPU (217 MB) and, in Node, keeps the process from exiting
   * until it is done, after the engine is disposed (docs/app.md, Node).
   */
  floatMask(mask: string): string {
    return this.opset >= 9
      ? this.op('Where', [mask, this.constFloat([1], []), this.constFloat([0], [])])
      : this.op('Cast', [mask], { to: { int: DataType.FLOAT } });
  }

  /** Sums a broadcast gradient back to the shape of the input it came from. */
  sumToShape(grad: string, gradShape: Shape, inputShape: Shape): string {
    const r = gradShape.length;
    const lead = r - inputShape.length;
    const axes: number[] = [];
    for (let i = 0; i < r; i++) {
      if (i < lead) axes.push(i);
      else if (inputShape[i - lead] === 1 && gradShape[i] !== 1) axes.push(i);
    }
    if (axes.length === 0) return grad;
    const g = this.reduceSum(grad, axes, true);
    return lead > 0
      ? this.squeeze(
          g,
          Array.from({ length: lead }, (_, i) => i),
        )
      : g;
  }
}

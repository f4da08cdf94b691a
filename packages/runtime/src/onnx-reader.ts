// A minimal reader for the parts of an ONNX model the runtime needs (graph inputs, outputs, nodes,
// value types), and a writer for one protobuf delta (extra graph outputs). Reading by hand skips
// the weights without copying them, and keeps protobuf libraries out of the worker bundle.
import type { LayerInfo, TensorInfo } from '@fv/core';
import { FvError } from '@fv/core';

/** ONNX `TensorProto.DataType` numbers and their onnxruntime type names. */
const ELEM_TYPES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
};

/** Ops whose outputs never carry a gradient (integer or boolean results). */
const NON_DIFFERENTIABLE_OPS = new Set([
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
  'Constant',
  'ConstantOfShape',
]);

interface ValueInfo {
  readonly name: string;
  readonly elemType: number;
  readonly dims: (number | string | null)[] | null;
}

interface NodeInfo {
  readonly name: string;
  readonly opType: string;
  readonly inputs: string[];
  readonly outputs: string[];
}

/** What the runtime knows about a model without running it. */
export interface ModelSummary {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Every tensor produced by a node, in graph order (what `inspectModel` will list). */
  readonly layers: readonly LayerInfo[];
  /** ONNX element type per known tensor name (graph inputs, outputs, value_info). */
  readonly elemTypes: ReadonlyMap<string, number>;
  /** Every tensor name a forward pass can return (graph inputs, initializers, node outputs). */
  readonly tensorNames: ReadonlySet<string>;
  /** Node names and op types, in graph order. */
  readonly nodes: readonly { readonly name: string; readonly opType: string }[];
}

class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }
  done(): boolean {
    return this.pos >= this.end;
  }
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.bytes[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new Error('varint too long');
  }
  /** Reads a tag; returns [field, wireType]. */
  tag(): [number, number] {
    const t = this.varint();
    return [Math.floor(t / 8), t & 7];
  }
  /** Sub-reader over a length-delimited field. */
  sub(): Reader {
    const length = this.varint();
    const start = this.pos;
    if (start + length > this.end) throw new Error('truncated field');
    this.pos += length;
    return new Reader(this.bytes, start, start + length);
  }
  string(): string {
    const r = this.sub();
    return decoder.decode(this.bytes.subarray(r.pos, r.end));
  }
  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.sub();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new Error('truncated field');
  }
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function readValueInfo(r: Reader): ValueInfo {
  let name = '';
  let elemType = 0;
  let dims: (number | string | null)[] | null = null;
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) name = r.string();
    else if (field === 2 && wire === 2) {
      const type = r.sub();
      while (!type.done()) {
        const [f, w] = type.tag();
        if (f === 1 && w === 2) {
          const tensorType = type.sub();
          while (!tensorType.done()) {
            const [tf, tw] = tensorType.tag();
            if (tf === 1 && tw === 0) elemType = tensorType.varint();
            else if (tf === 2 && tw === 2) {
              dims = [];
              const shape = tensorType.sub();
              while (!shape.done()) {
                const [sf, sw] = shape.tag();
                if (sf === 1 && sw === 2) {
                  const dim = shape.sub();
                  let value: number | string | null = null;
                  while (!dim.done()) {
                    const [df, dw] = dim.tag();
                    if (df === 1 && dw === 0) value = dim.varint();
                    else if (df === 2 && dw === 2) value = dim.string() || null;
                    else dim.skip(dw);
                  }
                  dims.push(value);
                } else shape.skip(sw);
              }
            } else tensorType.skip(tw);
          }
        } else type.skip(w);
      }
    } else r.skip(wire);
  }
  return { name, elemType, dims };
}

function readNode(r: Reader): NodeInfo {
  const node = { name: '', opType: '', inputs: [] as string[], outputs: [] as string[] };
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (wire !== 2) r.skip(wire);
    else if (field === 1) node.inputs.push(r.string());
    else if (field === 2) node.outputs.push(r.string());
    else if (field === 3) node.name = r.string();
    else if (field === 4) node.opType = r.string();
    else r.skip(wire);
  }
  return node;
}

function readInitializerName(r: Reader): string {
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 8 && wire === 2) return r.string();
    r.skip(wire);
  }
  return '';
}

/**
 * Reads the graph's inputs, outputs and nodes.
 * @throws FvError `INVALID_MODEL` when the bytes are not an ONNX model with a graph.
 */
export function readModel(bytes: Uint8Array): ModelSummary {
  const nodes: NodeInfo[] = [];
  const inputs: ValueInfo[] = [];
  const outputs: ValueInfo[] = [];
  const valueInfo: ValueInfo[] = [];
  const initializers = new Set<string>();
  let sawGraph = false;
  let sawIrVersion = false;
  try {
    const model = new Reader(bytes);
    while (!model.done()) {
      const [field, wire] = model.tag();
      if (field === 1 && wire === 0) {
        model.varint();
        sawIrVersion = true;
      } else if (field === 7 && wire === 2) {
        sawGraph = true;
        const graph = model.sub();
        while (!graph.done()) {
          const [f, w] = graph.tag();
          if (w !== 2) graph.skip(w);
          else if (f === 1) nodes.push(readNode(graph.sub()));
          else if (f === 5) initializers.add(readInitializerName(graph.sub()));
          else if (f === 11) inputs.push(readValueInfo(graph.sub()));
          else if (f === 12) outputs.push(readValueInfo(graph.sub()));
          else if (f === 13) valueInfo.push(readValueInfo(graph.sub()));
          else graph.skip(w);
        }
      } else model.skip(wire);
    }
  } catch (error) {
    throw new FvError(
      'INVALID_MODEL',
      `Model bytes are not a readable ONNX model: ${(error as Error).message}`,
    );
  }
  if (!sawGraph || !sawIrVersion || nodes.length === 0) {
    throw new FvError(
      'INVALID_MODEL',
      `Model bytes are not an ONNX model (${bytes.length} bytes; no ir_version, graph or nodes found)`,
    );
  }

  const elemTypes = new Map<string, number>();
  const shapes = new Map<string, (number | string | null)[] | null>();
  for (const v of [...valueInfo, ...inputs, ...outputs]) {
    if (v.elemType) elemTypes.set(v.name, v.elemType);
    if (v.dims) shapes.set(v.name, v.dims);
  }
  const realInputs = inputs.filter((i) => !initializers.has(i.name));
  const toInfo = (v: ValueInfo): TensorInfo => ({
    name: v.name,
    type: ELEM_TYPES[v.elemType] ?? 'unknown',
    dims: v.dims ?? [],
  });

  // Differentiable: reachable from a real input through ops that pass float values on.
  const active = new Set(realInputs.map((i) => i.name));
  const layers: LayerInfo[] = [];
  const tensorNames = new Set<string>([...initializers, ...realInputs.map((i) => i.name)]);
  for (const node of nodes) {
    const reaches =
      !NON_DIFFERENTIABLE_OPS.has(node.opType) && node.inputs.some((i) => active.has(i));
    for (const output of node.outputs) {
      if (!output) continue;
      tensorNames.add(output);
      const elemType = elemTypes.get(output);
      const floatish =
        elemType === undefined || elemType === 1 || elemType === 10 || elemType === 11;
      const differentiable = reaches && floatish;
      if (differentiable) active.add(output);
      layers.push({
        name: output,
        opType: node.opType,
        dims: shapes.get(output) ?? null,
        differentiable,
      });
    }
  }
  return {
    inputs: realInputs.map(toInfo),
    outputs: outputs.map(toInfo),
    layers,
    elemTypes,
    tensorNames,
    nodes: nodes.map((n) => ({ name: n.name, opType: n.opType })),
  };
}

function varintBytes(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function field(number: number, payload: Uint8Array): Uint8Array {
  const head = [...varintBytes(number * 8 + 2), ...varintBytes(payload.length)];
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Returns the model with `names` added as graph outputs. Protobuf merges repeated fields of
 * concatenated messages, so the result is the original bytes followed by a small
 * `ModelProto { graph { output: [...] } }` (weights are copied once, never re-encoded).
 */
export function withExtraOutputs(
  bytes: Uint8Array,
  names: readonly string[],
  elemTypes: ReadonlyMap<string, number>,
): Uint8Array {
  const outputs = names.map((name) => {
    const tensorType = new Uint8Array([8, ...varintBytes(elemTypes.get(name) ?? 1)]);
    const type = field(1, tensorType);
    return field(12, concat([field(1, encoder.encode(name)), field(2, type)]));
  });
  return concat([bytes, field(7, concat(outputs))]);
}

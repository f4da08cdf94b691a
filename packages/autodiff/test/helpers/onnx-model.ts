// Builds small ONNX models in tests (one op, or a short chain) with onnx-buf.
import { create, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import {
  type AttrValue,
  makeFloatTensor,
  makeInt64Tensor,
  makeNode,
  makeValueInfo,
} from '../../src/onnx.js';

export interface TestNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrValue>;
}

export interface TestModel {
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: { name: string; dims?: (number | string)[] }[];
  /** Shapes declared for intermediate tensors (what exporters write into value_info). */
  valueInfo?: { name: string; dims: (number | string)[] }[];
  nodes: TestNode[];
  floatInits?: { name: string; dims: number[]; data: ArrayLike<number> }[];
  intInits?: { name: string; dims: number[]; data: number[] }[];
  opset?: number;
  irVersion?: number;
}

export function buildModel(m: TestModel): Uint8Array {
  const model = create(ModelProtoSchema, {
    irVersion: BigInt(m.irVersion ?? 8),
    producerName: 'fv-test',
    opsetImport: [{ domain: '', version: BigInt(m.opset ?? 13) }],
    graph: {
      name: 'test',
      node: m.nodes.map((n, i) =>
        makeNode(n.op, n.inputs, n.outputs, `${n.op}_${i}`, n.attrs ?? {}),
      ),
      input: m.inputs.map((i) => makeValueInfo(i.name, 1, i.dims)),
      output: m.outputs.map((o) => makeValueInfo(o.name, 1, o.dims ?? [])),
      valueInfo: (m.valueInfo ?? []).map((v) => makeValueInfo(v.name, 1, v.dims)),
      initializer: [
        ...(m.floatInits ?? []).map((t) => makeFloatTensor(t.name, t.dims, t.data)),
        ...(m.intInits ?? []).map((t) => makeInt64Tensor(t.name, t.dims, t.data)),
      ],
    },
  });
  return toBinary(ModelProtoSchema, model);
}

/** Deterministic pseudo-random numbers (mulberry32), uniform in [lo, hi). */
export function rng(seed: number): (lo?: number, hi?: number) => number {
  let a = seed >>> 0;
  return (lo = 0, hi = 1) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  };
}

export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r(lo, hi));
}

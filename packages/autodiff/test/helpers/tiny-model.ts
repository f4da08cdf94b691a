// Tiny ONNX models for per-rule gradient tests: a few nodes, outputs declared without a shape
// (fv's own shape inference and onnxruntime fill them in), and input data kept away from kinks.
import { create, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProtoSchema, ValueInfoProtoSchema } from 'onnx-buf';
import {
  type AttrValue,
  DataType,
  makeFloatTensor,
  makeInt64Tensor,
  makeNode,
  makeValueInfo,
} from '../../src/onnx.js';
import { rng } from './onnx-model.js';

export interface TinyNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs?: Readonly<Record<string, AttrValue>>;
}

/** Node shorthand: `node('Relu', ['x'], ['y'])`. */
export function node(
  op: string,
  inputs: readonly string[],
  outputs: readonly string[] = ['y'],
  attrs: Readonly<Record<string, AttrValue>> = {},
): TinyNode {
  return { op, inputs, outputs, attrs };
}

export interface TinySpec {
  readonly opset?: number;
  /** Graph inputs, float32. @defaultValue one input `x` of dims `x` */
  readonly inputs: Readonly<Record<string, readonly (number | string)[]>>;
  /** Graph outputs, declared without a shape. @defaultValue ['y'] */
  readonly outputs?: readonly string[];
  readonly nodes: readonly TinyNode[];
  /** Float initializers (weights). */
  readonly floats?: Readonly<Record<string, { dims: readonly number[]; data: ArrayLike<number> }>>;
  /** int64 initializers (axes, shapes, pads). */
  readonly ints?: Readonly<Record<string, { dims: readonly number[]; data: readonly number[] }>>;
  /** 8-bit integer initializers (zero points, quantized weights): `uint8` or `int8`. */
  readonly bytes?: Readonly<
    Record<string, { type: 'uint8' | 'int8'; dims: readonly number[]; data: readonly number[] }>
  >;
}

/** IR version that goes with an opset (onnxruntime rejects newer opsets on old IR). */
function irFor(opset: number): number {
  if (opset >= 21) return 10;
  if (opset >= 19) return 9;
  if (opset >= 15) return 8;
  return 7;
}

/** `com.microsoft.FastGelu` → domain `com.microsoft`, op `FastGelu`; plain names: default domain. */
function splitOp(op: string): { domain: string; opType: string } {
  const at = op.lastIndexOf('.');
  return at < 0
    ? { domain: '', opType: op }
    : { domain: op.slice(0, at), opType: op.slice(at + 1) };
}

export function tinyModel(spec: TinySpec): Uint8Array {
  const opset = spec.opset ?? 13;
  const domains = [...new Set(spec.nodes.map((n) => splitOp(n.op).domain))].filter(Boolean);
  const model = create(ModelProtoSchema, {
    irVersion: BigInt(irFor(opset)),
    producerName: 'fv-rule-test',
    opsetImport: [
      { domain: '', version: BigInt(opset) },
      ...domains.map((domain) => ({ domain, version: 1n })),
    ],
    graph: {
      name: 'rule',
      node: spec.nodes.map((n, i) => {
        const { domain, opType } = splitOp(n.op);
        const made = makeNode(opType, n.inputs, n.outputs, `${opType}_${i}`, n.attrs ?? {});
        made.domain = domain;
        return made;
      }),
      input: Object.entries(spec.inputs).map(([name, dims]) =>
        makeValueInfo(name, DataType.FLOAT, dims),
      ),
      output: (spec.outputs ?? ['y']).map((name) =>
        create(ValueInfoProtoSchema, {
          name,
          type: { value: { case: 'tensorType', value: { elemType: DataType.FLOAT } } },
        }),
      ),
      initializer: [
        ...Object.entries(spec.floats ?? {}).map(([name, t]) =>
          makeFloatTensor(name, t.dims, t.data),
        ),
        ...Object.entries(spec.ints ?? {}).map(([name, t]) =>
          makeInt64Tensor(name, t.dims, t.data),
        ),
        ...Object.entries(spec.bytes ?? {}).map(([name, t]) =>
          create(TensorProtoSchema, {
            name,
            dims: t.dims.map(BigInt),
            dataType: t.type === 'uint8' ? DataType.UINT8 : DataType.INT8,
            rawData: Uint8Array.from(t.data, (v) => v & 0xff),
          }),
        ),
      ],
    },
  });
  return toBinary(ModelProtoSchema, model);
}

/**
 * n distinct values (k + ½ − n/2)·step, shuffled: pairwise at least `step` apart and at least
 * step/2 from every multiple of `step` (0 included), so finite differences with
 * ε·|v| ≤ 0.01 < step/2 cross no kink of Relu, MaxPool or Clip (at multiples of step).
 */
export function spaced(n: number, seed: number, step = 0.05): Float32Array {
  const r = rng(seed);
  const values = Array.from({ length: n }, (_, k) => (k + 0.5 - n / 2) * step);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return Float32Array.from(values);
}

export const size = (dims: readonly number[]): number => dims.reduce((p, q) => p * q, 1);

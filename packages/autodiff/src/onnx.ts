// Reading and writing ONNX protobufs (through onnx-buf's @bufbuild/protobuf v2 code, which
// round-trips unknown and newer fields) and small helpers for attributes and tensors.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FvError, float16ToNumber } from '@fv/core';
import {
  type AttributeProto,
  AttributeProtoSchema,
  type GraphProto,
  GraphProtoSchema,
  type ModelProto,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  type TensorProto,
  TensorProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from 'onnx-buf';

// TextEncoder/TextDecoder exist in every environment fv runs in (browsers, workers, Node ≥ 11);
// declared here so this package needs no DOM type library.
declare const TextEncoder: { new (): { encode(s: string): Uint8Array<ArrayBuffer> } };
declare const TextDecoder: { new (): { decode(b: Uint8Array): string } };

export type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto };

/** ONNX TensorProto.DataType values fv reads or writes. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;

/** onnxruntime's name of each ONNX element type (`TensorProto.DataType`) it can hold. */
export const ELEM_TYPE_NAMES: Readonly<Record<number, string>> = {
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

/** ONNX AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** Parses model bytes. @throws FvError `INVALID_MODEL` for anything that is not an ONNX model. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new FvError('INVALID_MODEL', 'Model bytes are empty or not a Uint8Array');
  }
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes);
  } catch (error) {
    throw new FvError(
      'INVALID_MODEL',
      `Not an ONNX model: protobuf parsing failed (${(error as Error).message})`,
    );
  }
  if (!model.graph || model.graph.node.length === 0) {
    throw new FvError(
      'INVALID_MODEL',
      'Not an ONNX model: it has no graph or the graph has no nodes',
    );
  }
  if (model.irVersion === 0n) {
    throw new FvError('INVALID_MODEL', 'Not an ONNX model: ir_version is missing');
  }
  return model;
}

/**
 * A model as bytes, or already decoded by {@link decodeModel} (so callers that need several views
 * of one model decode it once). Decoded models are only read, never changed.
 */
export type ModelInput = Uint8Array | ModelProto;

/** The decoded model: `input` itself when it is already decoded. */
export function asModel(input: ModelInput): ModelProto {
  return input instanceof Uint8Array ? decodeModel(input) : input;
}

export function encodeModel(model: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, model);
}

/** Graph fields that {@link appendToGraph} adds to a serialized model. */
export interface GraphAdditions {
  readonly node?: readonly NodeProto[];
  readonly initializer?: readonly TensorProto[];
  readonly input?: readonly ValueInfoProto[];
  readonly output?: readonly ValueInfoProto[];
}

/**
 * Adds nodes, initializers, inputs and outputs to a serialized model without decoding or
 * re-encoding it. Protobuf merges a repeated occurrence of an embedded message field into the
 * first one and appends repeated fields, so the result is the original bytes followed by a small
 * `ModelProto { graph { … } }` holding only the additions: the weights are copied once (into the
 * one buffer onnxruntime needs), never re-encoded.
 */
export function appendToGraph(bytes: Uint8Array, additions: GraphAdditions): Uint8Array {
  const delta = encodeModel(
    create(ModelProtoSchema, {
      graph: create(GraphProtoSchema, {
        node: [...(additions.node ?? [])],
        initializer: [...(additions.initializer ?? [])],
        input: [...(additions.input ?? [])],
        output: [...(additions.output ?? [])],
      }),
    }),
  );
  const merged = new Uint8Array(bytes.length + delta.length);
  merged.set(bytes, 0);
  merged.set(delta, bytes.length);
  return merged;
}

/** Opset version of the default ONNX domain. */
export function defaultOpset(model: ModelProto): number {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return entry ? Number(entry.version) : 1;
}

// ---------------------------------------------------------------- attributes

export function getAttr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

export function attrInt(node: NodeProto, name: string, fallback: number): number {
  const a = getAttr(node, name);
  return a ? Number(a.i) : fallback;
}

export function attrFloat(node: NodeProto, name: string, fallback: number): number {
  const a = getAttr(node, name);
  return a ? a.f : fallback;
}

export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = getAttr(node, name);
  return a ? a.ints.map(Number) : undefined;
}

export function attrFloats(node: NodeProto, name: string): number[] | undefined {
  const a = getAttr(node, name);
  return a ? [...a.floats] : undefined;
}

export function attrString(node: NodeProto, name: string, fallback: string): string {
  const a = getAttr(node, name);
  return a ? new TextDecoder().decode(a.s) : fallback;
}

/** Typed readers of one node's attributes (the `AttributeReader` part of the rule contexts). */
export function attributeReader(node: NodeProto, opset: number) {
  return {
    node,
    opset,
    int: (name: string, fallback: number) => attrInt(node, name, fallback),
    float: (name: string, fallback: number) => attrFloat(node, name, fallback),
    ints: (name: string) => attrInts(node, name),
    floats: (name: string) => attrFloats(node, name),
    string: (name: string, fallback: string) => attrString(node, name, fallback),
  };
}

/** An attribute value as rules write it; floats must be marked so (`alpha = 1.0` stays FLOAT). */
export type AttrValue =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly string: string }
  | { readonly tensor: TensorProto };

export function makeAttr(name: string, value: AttrValue): AttributeProto {
  if ('int' in value)
    return create(AttributeProtoSchema, { name, type: AttrType.INT, i: BigInt(value.int) });
  if ('float' in value)
    return create(AttributeProtoSchema, { name, type: AttrType.FLOAT, f: value.float });
  if ('ints' in value) {
    return create(AttributeProtoSchema, {
      name,
      type: AttrType.INTS,
      ints: value.ints.map((v) => BigInt(v)),
    });
  }
  if ('floats' in value) {
    return create(AttributeProtoSchema, { name, type: AttrType.FLOATS, floats: [...value.floats] });
  }
  if ('string' in value) {
    return create(AttributeProtoSchema, {
      name,
      type: AttrType.STRING,
      s: new TextEncoder().encode(value.string),
    });
  }
  return create(AttributeProtoSchema, { name, type: AttrType.TENSOR, t: value.tensor });
}

export function makeNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  attributes: Readonly<Record<string, AttrValue>> = {},
): NodeProto {
  return create(NodeProtoSchema, {
    opType,
    input: [...inputs],
    output: [...outputs],
    name,
    attribute: Object.entries(attributes).map(([k, v]) => makeAttr(k, v)),
  });
}

/** A tensor value info; `dims` undefined leaves the shape out (unknown rank), `[]` is a scalar. */
export function makeValueInfo(
  name: string,
  elemType: number,
  dims: readonly (number | string | null)[] | undefined,
): ValueInfoProto {
  if (dims === undefined) {
    return create(ValueInfoProtoSchema, {
      name,
      type: { value: { case: 'tensorType', value: { elemType } } },
    });
  }
  return create(ValueInfoProtoSchema, {
    name,
    type: {
      value: {
        case: 'tensorType',
        value: {
          elemType,
          shape: {
            dim: dims.map((d) =>
              typeof d === 'number'
                ? { value: { case: 'dimValue' as const, value: BigInt(d) } }
                : typeof d === 'string'
                  ? { value: { case: 'dimParam' as const, value: d } }
                  : { value: { case: undefined } as const },
            ),
          },
        },
      },
    },
  });
}

/** Element type and dims of a value info (`null` for unknown dims, strings for symbolic ones). */
export function valueInfoType(
  info: ValueInfoProto,
): { elemType: number; dims: (number | string | null)[] | null } | undefined {
  const t = info.type?.value;
  if (t?.case !== 'tensorType') return undefined;
  const shape = t.value.shape;
  return {
    elemType: t.value.elemType,
    dims: shape
      ? shape.dim.map((d) =>
          d.value.case === 'dimValue'
            ? Number(d.value.value)
            : d.value.case === 'dimParam' && d.value.value !== ''
              ? d.value.value
              : null,
        )
      : null,
  };
}

// ---------------------------------------------------------------- tensors

export function makeFloatTensor(
  name: string,
  dims: readonly number[],
  data: ArrayLike<number>,
): TensorProto {
  const f32 = Float32Array.from(data as ArrayLike<number>);
  return create(TensorProtoSchema, {
    name,
    dims: dims.map((d) => BigInt(d)),
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength).slice(),
  });
}

export function makeInt64Tensor(
  name: string,
  dims: readonly number[],
  data: readonly number[],
): TensorProto {
  const i64 = BigInt64Array.from(data.map((v) => BigInt(v)));
  return create(TensorProtoSchema, {
    name,
    dims: dims.map((d) => BigInt(d)),
    dataType: DataType.INT64,
    rawData: new Uint8Array(i64.buffer).slice(),
  });
}

/** The values of a FLOAT tensor as a Float32Array (a copy), read straight from its raw bytes. */
export function floatValues(t: TensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT) return Float32Array.from(tensorValues(t));
  if (t.rawData.length === 0) return Float32Array.from(t.floatData);
  const copy = t.rawData.slice();
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

/** Decoded values of a tensor as plain numbers (float, integer and bool types). */
export function tensorValues(t: TensorProto): number[] {
  const raw = t.rawData;
  const view =
    raw.length > 0 ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  const n = t.dims.reduce((a, d) => a * Number(d), 1);
  const out: number[] = [];
  switch (t.dataType) {
    case DataType.FLOAT:
      if (view) for (let i = 0; i < n; i++) out.push(view.getFloat32(i * 4, true));
      else out.push(...t.floatData);
      break;
    case DataType.DOUBLE:
      if (view) for (let i = 0; i < n; i++) out.push(view.getFloat64(i * 8, true));
      else out.push(...t.doubleData);
      break;
    case DataType.FLOAT16:
      if (view) for (let i = 0; i < n; i++) out.push(float16ToNumber(view.getUint16(i * 2, true)));
      else out.push(...t.int32Data.map((bits) => float16ToNumber(bits)));
      break;
    case DataType.INT64:
      if (view) for (let i = 0; i < n; i++) out.push(Number(view.getBigInt64(i * 8, true)));
      else out.push(...t.int64Data.map(Number));
      break;
    case DataType.INT32:
      if (view) for (let i = 0; i < n; i++) out.push(view.getInt32(i * 4, true));
      else out.push(...t.int32Data);
      break;
    case DataType.INT8:
      if (view) for (let i = 0; i < n; i++) out.push(view.getInt8(i));
      else out.push(...t.int32Data);
      break;
    case DataType.UINT8:
    case DataType.BOOL:
      if (view) for (let i = 0; i < n; i++) out.push(view.getUint8(i));
      else out.push(...t.int32Data);
      break;
    default:
      throw new FvError(
        'INVALID_MODEL',
        `Tensor ${t.name} has unsupported data type ${t.dataType}`,
      );
  }
  return out;
}

export function isFloatType(elemType: number): boolean {
  return (
    elemType === DataType.FLOAT || elemType === DataType.FLOAT16 || elemType === DataType.DOUBLE
  );
}

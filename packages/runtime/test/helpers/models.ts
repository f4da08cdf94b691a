// Small ONNX models built in code for the runtime's tests, and onnxruntime-web called directly
// (in this thread) as the reference the engine must match.
import { create, toBinary } from '@bufbuild/protobuf';
import {
  type AttributeProto,
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProto_DataType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
} from 'onnx-buf';
import * as ort from 'onnxruntime-web';
import { seededRandom } from '../../../../test/helpers/tiny-cnn.js';

ort.env.wasm.numThreads = 1;

export interface ConvNet {
  readonly bytes: Uint8Array;
  /** Input dims with the batch dimension as given (`'N'` when dynamic). */
  readonly inputDims: readonly (number | string)[];
  readonly size: number;
}

function valueInfo(name: string, dims: readonly (number | string)[]) {
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, {
      value: {
        case: 'tensorType',
        value: create(TypeProto_TensorSchema, {
          elemType: TensorProto_DataType.FLOAT,
          shape: create(TensorShapeProtoSchema, {
            dim: dims.map((d) =>
              create(TensorShapeProto_DimensionSchema, {
                value:
                  typeof d === 'number'
                    ? { case: 'dimValue', value: BigInt(d) }
                    : { case: 'dimParam', value: d },
              }),
            ),
          }),
        }),
      },
    }),
  });
}

const ints = (name: string, values: readonly number[]): AttributeProto =>
  create(AttributeProtoSchema, {
    name,
    type: AttributeProto_AttributeType.INTS,
    ints: values.map(BigInt),
  });
const int = (name: string, value: number): AttributeProto =>
  create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(value) });

/**
 * `image` [N, 3, S, S] → Conv 3×3 (3→4, pad 1) `conv` → Relu `relu` → GlobalAveragePool `pool`
 * → Flatten `features` → Gemm `logits` [N, 5]. `batch` fixes N, or leaves it free (`'N'`).
 * `extraOp` appends a node of that op type on `logits` (for unsupported-op tests).
 * `reshapeByData` puts `reshaped` = Reshape(relu, [N, 4, count, -1]) before the pool, where count
 * is the number of nonzero entries of an all-ones initializer (S): the same shape as `relu`, but
 * one that shape inference cannot tell without running the model.
 */
export function convNet(
  options: {
    size?: number;
    batch?: number | 'N';
    seed?: number;
    extraOp?: string;
    reshapeByData?: boolean;
  } = {},
): ConvNet {
  const size = options.size ?? 8;
  const batch = options.batch ?? 'N';
  const random = seededRandom(options.seed ?? 7);
  const init = (name: string, dims: number[], scale: number) =>
    create(TensorProtoSchema, {
      name,
      dims: dims.map(BigInt),
      dataType: TensorProto_DataType.FLOAT,
      floatData: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => random() * scale),
    });
  const node = (
    opType: string,
    input: string[],
    output: string[],
    attribute: AttributeProto[] = [],
  ) =>
    create(NodeProtoSchema, { opType, name: `${opType}_${output[0]}`, input, output, attribute });
  const nodes = [
    node(
      'Conv',
      ['image', 'w1', 'b1'],
      ['conv'],
      [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])],
    ),
    node('Relu', ['conv'], ['relu']),
    ...(options.reshapeByData
      ? [
          node('Shape', ['relu'], ['relu_shape']),
          node('Slice', ['relu_shape', 'zero', 'two'], ['batch_channels']),
          node('NonZero', ['ones'], ['nonzero']),
          node('Shape', ['nonzero'], ['nonzero_shape']),
          node('Slice', ['nonzero_shape', 'one', 'two'], ['count']),
          node('Concat', ['batch_channels', 'count', 'minus_one'], ['target'], [int('axis', 0)]),
          node('Reshape', ['relu', 'target'], ['reshaped']),
        ]
      : []),
    node('GlobalAveragePool', [options.reshapeByData ? 'reshaped' : 'relu'], ['pool']),
    node('Flatten', ['pool'], ['features'], [int('axis', 1)]),
    node('Gemm', ['features', 'w2', 'b2'], ['logits'], [int('transB', 1)]),
  ];
  const outputs = [valueInfo('logits', [batch, 5])];
  if (options.extraOp) {
    nodes.push(node(options.extraOp, ['logits'], ['extra']));
    outputs.push(valueInfo('extra', [batch, 5]));
  }
  const inputDims = [batch, 3, size, size];
  const model = create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: 'fv-runtime-tests',
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 13n })],
    graph: create(GraphProtoSchema, {
      name: 'conv_net',
      input: [valueInfo('image', inputDims)],
      output: outputs,
      initializer: [
        init('w1', [4, 3, 3, 3], 0.5),
        init('b1', [4], 0.1),
        init('w2', [5, 4], 1),
        init('b2', [5], 0.1),
        ...(options.reshapeByData
          ? [
              create(TensorProtoSchema, {
                name: 'ones',
                dims: [BigInt(size)],
                dataType: TensorProto_DataType.FLOAT,
                floatData: new Array<number>(size).fill(1),
              }),
              ...(
                [
                  ['zero', 0],
                  ['one', 1],
                  ['two', 2],
                  ['minus_one', -1],
                ] as const
              ).map(([name, value]) =>
                create(TensorProtoSchema, {
                  name,
                  dims: [1n],
                  dataType: TensorProto_DataType.INT64,
                  int64Data: [BigInt(value)],
                }),
              ),
            ]
          : []),
      ],
      node: nodes,
    }),
  });
  return { bytes: toBinary(ModelProtoSchema, model), inputDims, size };
}

/** `image` [1, 3, S, S] → Relu → `out` [1, 3, S, S]: almost no compute, for round-trip timing. */
export function reluNet(size: number): Uint8Array {
  const dims = [1, 3, size, size];
  const model = create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: 'fv-runtime-tests',
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 13n })],
    graph: create(GraphProtoSchema, {
      name: 'relu_net',
      input: [valueInfo('image', dims)],
      output: [valueInfo('out', dims)],
      node: [
        create(NodeProtoSchema, {
          opType: 'Relu',
          name: 'relu',
          input: ['image'],
          output: ['out'],
        }),
      ],
    }),
  });
  return toBinary(ModelProtoSchema, model);
}

/** Uniform pseudo-random floats in [-1, 1). */
export function randomInput(length: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length }, () => random());
}

export type Feeds = Record<string, { data: Float32Array; dims: readonly number[] }>;

/** Runs a model with onnxruntime-web in this thread (wasm), the reference for the engine. */
export async function runDirect(
  bytes: Uint8Array,
  feeds: Feeds,
  outputs?: readonly string[],
): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const f: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', v.data, v.dims);
    const result = await session.run(f, outputs ? [...outputs] : session.outputNames);
    const out: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
    for (const [k, v] of Object.entries(result))
      out[k] = { data: (v.data as Float32Array).slice(), dims: v.dims };
    return out;
  } finally {
    await session.release();
  }
}

/** Largest |a − b| relative to the largest |b| (0 for equal arrays). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

// A tiny image classifier built in code, for tests that need a real ONNX model without files:
// Conv 3x3 (3→4 channels, pad 1) → Relu → GlobalAveragePool → Flatten → Gemm (4→5 logits),
// with fixed pseudo-random weights, plus a plain TypeScript forward pass as an outside reference.
import { create, toBinary } from '@bufbuild/protobuf';
import {
  type AttributeProto,
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  type TensorProto,
  TensorProto_DataType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from 'onnx-buf';

/** Deterministic uniform numbers in [-1, 1) (mulberry32), so fixtures are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  };
}

function randomArray(length: number, random: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length }, () => random() * scale);
}

export interface TinyCnn {
  /** The serialized ONNX model (IR 8, opset 13). */
  readonly bytes: Uint8Array;
  readonly inputName: 'image';
  readonly outputName: 'logits';
  readonly inputShape: readonly [1, 3, 8, 8];
  readonly outputShape: readonly [1, 5];
  /** A fixed input image of `inputShape`. */
  readonly input: Float32Array;
  readonly weights: {
    readonly convW: Float32Array; // [4, 3, 3, 3]
    readonly convB: Float32Array; // [4]
    readonly fcW: Float32Array; // [5, 4] (Gemm with transB = 1)
    readonly fcB: Float32Array; // [5]
  };
}

const C_IN = 3;
const C_OUT = 4;
const SIZE = 8;
const CLASSES = 5;

function initializer(name: string, dims: readonly number[], data: Float32Array): TensorProto {
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: TensorProto_DataType.FLOAT,
    floatData: Array.from(data),
  });
}

function tensorValue(name: string, dims: readonly number[]): ValueInfoProto {
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
                value: { case: 'dimValue', value: BigInt(d) },
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
// Float attributes must be typed FLOAT even when integral, or onnxruntime rejects the model.
const float = (name: string, value: number): AttributeProto =>
  create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f: value });

/** Builds the tiny CNN with weights drawn from `seed`. */
export function tinyCnnModel(seed = 2024): TinyCnn {
  const random = seededRandom(seed);
  const weights = {
    convW: randomArray(C_OUT * C_IN * 9, random, 0.5),
    convB: randomArray(C_OUT, random, 0.1),
    fcW: randomArray(CLASSES * C_OUT, random),
    fcB: randomArray(CLASSES, random, 0.1),
  };
  const input = randomArray(C_IN * SIZE * SIZE, random);

  const node = (
    opType: string,
    inputs: string[],
    outputs: string[],
    attribute: AttributeProto[] = [],
  ) =>
    create(NodeProtoSchema, {
      opType,
      name: outputs[0] ?? opType,
      input: inputs,
      output: outputs,
      attribute,
    });

  const graph = create(GraphProtoSchema, {
    name: 'tiny_cnn',
    input: [tensorValue('image', [1, C_IN, SIZE, SIZE])],
    output: [tensorValue('logits', [1, CLASSES])],
    initializer: [
      initializer('conv.weight', [C_OUT, C_IN, 3, 3], weights.convW),
      initializer('conv.bias', [C_OUT], weights.convB),
      initializer('fc.weight', [CLASSES, C_OUT], weights.fcW),
      initializer('fc.bias', [CLASSES], weights.fcB),
    ],
    node: [
      node(
        'Conv',
        ['image', 'conv.weight', 'conv.bias'],
        ['conv'],
        [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [1, 1])],
      ),
      node('Relu', ['conv'], ['relu']),
      node('GlobalAveragePool', ['relu'], ['pool']),
      node('Flatten', ['pool'], ['features'], [int('axis', 1)]),
      node(
        'Gemm',
        ['features', 'fc.weight', 'fc.bias'],
        ['logits'],
        [float('alpha', 1), float('beta', 1), int('transB', 1)],
      ),
    ],
  });
  const model = create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: 'fv-tests',
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 13n })],
    graph,
  });
  return {
    bytes: toBinary(ModelProtoSchema, model),
    inputName: 'image',
    outputName: 'logits',
    inputShape: [1, C_IN, SIZE, SIZE],
    outputShape: [1, CLASSES],
    input,
    weights,
  };
}

/** The same forward pass in plain TypeScript (float64), independent of onnxruntime. */
export function tinyCnnReference(model: TinyCnn, input: Float32Array = model.input): Float64Array {
  const { convW, convB, fcW, fcB } = model.weights;
  const features = new Float64Array(C_OUT);
  for (let o = 0; o < C_OUT; o++) {
    let sum = 0;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        let acc = convB[o]!;
        for (let c = 0; c < C_IN; c++) {
          for (let ky = 0; ky < 3; ky++) {
            const iy = y + ky - 1;
            if (iy < 0 || iy >= SIZE) continue;
            for (let kx = 0; kx < 3; kx++) {
              const ix = x + kx - 1;
              if (ix < 0 || ix >= SIZE) continue;
              acc +=
                convW[((o * C_IN + c) * 3 + ky) * 3 + kx]! * input[(c * SIZE + iy) * SIZE + ix]!;
            }
          }
        }
        sum += Math.max(0, acc);
      }
    }
    features[o] = sum / (SIZE * SIZE);
  }
  const logits = new Float64Array(CLASSES);
  for (let k = 0; k < CLASSES; k++) {
    let acc = fcB[k]!;
    for (let o = 0; o < C_OUT; o++) acc += fcW[k * C_OUT + o]! * features[o]!;
    logits[k] = acc;
  }
  return logits;
}

/**
 * `length` values of {@link seededRandom}(seed): the inputs the e2e pages make
 * (test/fixtures/e2e/seeded-input.mjs), for reference forward passes.
 */
export function seededInput(length: number, seed: number): Float32Array {
  return Float32Array.from({ length }, seededRandom(seed));
}

/** max |a − b| over max |b|: the largest difference relative to the reference's scale. */
export function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** One network saved twice: channels first, and channels last as tf2onnx exports it. */
export interface LayoutTwins {
  /** Input `[1, C, size, size]`. */
  readonly nchw: Uint8Array;
  /** Input `[1, size, size, C]`, a Transpose to NCHW, then the same nodes and weights. */
  readonly nhwc: Uint8Array;
  /** A 4-D ReLU layer both models name alike (for dreams and unit visualization). */
  readonly layer: 'relu2';
  readonly classes: 5;
}

/**
 * A small CNN on `channels`-channel `size × size` images (Conv 3×3 → Relu → Conv 3×3 stride 2 →
 * Relu → GlobalAveragePool → Gemm, 5 classes) in both layouts, weights drawn from `seed`.
 */
export function layoutTwins(channels: 1 | 3, size = 64, seed = 7): LayoutTwins {
  const random = seededRandom(seed);
  const [c1, c2] = [4, 6];
  const w1 = randomArray(c1 * channels * 9, random, 0.6);
  const b1 = randomArray(c1, random, 0.1);
  const w2 = randomArray(c2 * c1 * 9, random, 0.4);
  const b2 = randomArray(c2, random, 0.1);
  const fcW = randomArray(CLASSES * c2, random);
  const fcB = randomArray(CLASSES, random, 0.1);
  const node = (
    opType: string,
    inputs: string[],
    output: string,
    attribute: AttributeProto[] = [],
  ) =>
    create(NodeProtoSchema, { opType, name: output, input: inputs, output: [output], attribute });
  const conv = (input: string, w: string, b: string, output: string, stride: number) =>
    node('Conv', [input, w, b], output, [
      ints('kernel_shape', [3, 3]),
      ints('pads', [1, 1, 1, 1]),
      ints('strides', [stride, stride]),
    ]);
  const build = (layout: 'NCHW' | 'NHWC'): Uint8Array => {
    const first = layout === 'NCHW' ? 'image' : 'image_nchw';
    const graph = create(GraphProtoSchema, {
      name: `layout_${layout.toLowerCase()}`,
      input: [
        tensorValue(
          'image',
          layout === 'NCHW' ? [1, channels, size, size] : [1, size, size, channels],
        ),
      ],
      output: [tensorValue('logits', [1, CLASSES])],
      initializer: [
        initializer('w1', [c1, channels, 3, 3], w1),
        initializer('b1', [c1], b1),
        initializer('w2', [c2, c1, 3, 3], w2),
        initializer('b2', [c2], b2),
        initializer('fc.weight', [CLASSES, c2], fcW),
        initializer('fc.bias', [CLASSES], fcB),
      ],
      node: [
        ...(layout === 'NHWC'
          ? [node('Transpose', ['image'], first, [ints('perm', [0, 3, 1, 2])])]
          : []),
        conv(first, 'w1', 'b1', 'conv1', 1),
        node('Relu', ['conv1'], 'relu1'),
        conv('relu1', 'w2', 'b2', 'conv2', 2),
        node('Relu', ['conv2'], 'relu2'),
        node('GlobalAveragePool', ['relu2'], 'pool'),
        node('Flatten', ['pool'], 'features', [int('axis', 1)]),
        node('Gemm', ['features', 'fc.weight', 'fc.bias'], 'logits', [
          float('alpha', 1),
          float('beta', 1),
          int('transB', 1),
        ]),
      ],
    });
    const model = create(ModelProtoSchema, {
      irVersion: 8n,
      producerName: 'fv-tests',
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 13n })],
      graph,
    });
    return toBinary(ModelProtoSchema, model);
  };
  return { nchw: build('NCHW'), nhwc: build('NHWC'), layer: 'relu2', classes: CLASSES };
}

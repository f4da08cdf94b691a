// Model-parameter randomization (Adebayo et al. 2018) as an ONNX rewrite of initializers: which
// layers a cascade visits, what `reset` draws (PyTorch's reset_parameters bounds, from
// tools/metrics_fixtures.py), and that the rewritten model is the same graph with new weights.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type ModelProto, ModelProtoSchema, type TensorProto } from 'onnx-buf';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { parameterizedLayers, randomizeLayers } from '../src/index.js';

ort.env.wasm.numThreads = 1;

const root = new URL('../../../', import.meta.url);
const defaultModel = new Uint8Array(
  readFileSync(fileURLToPath(new URL('models/default/shapes10.onnx', root))),
);
const fixtures = JSON.parse(
  readFileSync(fileURLToPath(new URL('test/fixtures/metrics/manifest.json', root)), 'utf8'),
) as {
  resetBounds: {
    op: string;
    attrs: Record<string, number>;
    weightDims: number[];
    fanIn: number;
    bound: number;
  }[];
};

const decode = (bytes: Uint8Array) => fromBinary(ModelProtoSchema, bytes);
/** Byte equality (vitest's deep equality is slow on large typed arrays). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const values = (t: TensorProto) =>
  new Float32Array(t.rawData.slice().buffer, 0, t.rawData.length / 4);
const initializer = (m: ModelProto, name: string) =>
  m.graph!.initializer.find((t) => t.name === name)!;

/** A one-node model `y = Op(x, W, B)` with float weights, attributes as INT. */
function oneLayer(op: string, weightDims: number[], attrs: Record<string, number>): Uint8Array {
  const outChannels = op === 'ConvTranspose' ? weightDims[1]! * (attrs.group ?? 1) : weightDims[0]!;
  const tensor = (name: string, dims: number[]) => {
    const n = dims.reduce((a, d) => a * d, 1);
    const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 5);
    return {
      name,
      dims: dims.map(BigInt),
      dataType: 1,
      rawData: new Uint8Array(data.buffer),
    };
  };
  return toBinary(
    ModelProtoSchema,
    create(ModelProtoSchema, {
      irVersion: 8n,
      opsetImport: [{ domain: '', version: 13n }],
      graph: {
        name: 'layer',
        node: [
          {
            opType: op,
            name: `${op}_0`,
            input: ['x', 'W', 'B'],
            output: ['y'],
            attribute: Object.entries(attrs).map(([name, i]) => ({ name, type: 2, i: BigInt(i) })),
          },
        ],
        initializer: [tensor('W', weightDims), tensor('B', [outChannels])],
        input: [{ name: 'x', type: { value: { case: 'tensorType', value: { elemType: 1 } } } }],
        output: [{ name: 'y', type: { value: { case: 'tensorType', value: { elemType: 1 } } } }],
      },
    }),
  );
}

describe('parameterizedLayers', () => {
  it('lists the default model’s layers top first, each Conv with its BatchNormalization', () => {
    const layers = parameterizedLayers(defaultModel);
    expect(layers.map((l) => l.name)).toEqual([
      'fc/Gemm',
      'block3/conv2/Conv',
      'block3/conv1/Conv',
      'conv3/conv3.0/Conv',
      'block2/conv2/Conv',
      'block2/conv1/Conv',
      'conv2/conv2.0/Conv',
      'stem/stem.0/Conv',
    ]);
    expect(layers[0]).toEqual({
      name: 'fc/Gemm',
      opTypes: ['Gemm'],
      initializers: ['fc.weight', 'fc.bias'],
      parameters: 10 * 64 + 10,
    });
    expect(layers[1]!.opTypes).toEqual(['Conv', 'BatchNormalization']);
    expect(layers[1]!.initializers).toEqual([
      'block3.conv2.weight',
      'block3.bn2.weight',
      'block3.bn2.bias',
      'block3.bn2.running_mean',
      'block3.bn2.running_var',
    ]);
    expect(layers[1]!.parameters).toBe(64 * 64 * 9 + 4 * 64);
    // Every float initializer of the model belongs to exactly one layer.
    const owned = layers.flatMap((l) => l.initializers).sort();
    expect(owned).toEqual(
      decode(defaultModel)
        .graph!.initializer.map((t) => t.name)
        .sort(),
    );
  });
});

describe('randomizeLayers', () => {
  it('re-initializes exactly the named layers: weights in ±1/√fan_in, BatchNorm reset', () => {
    const before = decode(defaultModel);
    const layers = parameterizedLayers(defaultModel);
    const top2 = layers.slice(0, 2);
    const after = decode(randomizeLayers(defaultModel, { layers: top2.map((l) => l.name) }));
    const changed = new Set(top2.flatMap((l) => l.initializers));
    for (const t of before.graph!.initializer) {
      const a = initializer(after, t.name);
      expect(a.dims).toEqual(t.dims);
      expect(same(a.rawData, t.rawData)).toBe(!changed.has(t.name));
    }
    const fc = values(initializer(after, 'fc.weight'));
    expect(Math.max(...fc.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    expect(Math.max(...fc.map(Math.abs))).toBeGreaterThan(0.9 / 8);
    const conv = values(initializer(after, 'block3.conv2.weight'));
    expect(Math.max(...conv.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(64 * 9));
    expect(Array.from(values(initializer(after, 'block3.bn2.weight')))).toEqual(Array(64).fill(1));
    expect(Array.from(values(initializer(after, 'block3.bn2.running_mean')))).toEqual(
      Array(64).fill(0),
    );
    expect(Array.from(values(initializer(after, 'block3.bn2.running_var')))).toEqual(
      Array(64).fill(1),
    );
    // The graph is untouched.
    expect(after.graph!.node).toEqual(before.graph!.node);
  });

  it.each(fixtures.resetBounds)(
    'draws $op weights and biases as PyTorch’s reset_parameters: ±1/√$fanIn',
    ({ op, attrs, weightDims, bound }) => {
      const bytes = oneLayer(op, weightDims, attrs);
      const [layer] = parameterizedLayers(bytes);
      expect(layer!.initializers).toEqual(['W', 'B']);
      const m = decode(randomizeLayers(bytes, { layers: [layer!.name], seed: 3 }));
      for (const name of ['W', 'B']) {
        const v = values(initializer(m, name));
        const max = Math.max(...v.map(Math.abs));
        expect(max).toBeLessThanOrEqual(Math.fround(bound));
        if (name === 'W') expect(max).toBeGreaterThan(0.9 * bound);
      }
    },
  );

  it('is deterministic per seed, and a layer gets the same weights at every cascade step', () => {
    const names = parameterizedLayers(defaultModel).map((l) => l.name);
    const one = decode(randomizeLayers(defaultModel, { layers: names.slice(0, 1) }));
    const threeBytes = randomizeLayers(defaultModel, { layers: names.slice(0, 3) });
    const three = decode(threeBytes);
    const other = decode(randomizeLayers(defaultModel, { layers: names.slice(0, 1), seed: 1 }));
    const fc = (m: ModelProto) => initializer(m, 'fc.weight').rawData;
    expect(same(fc(three), fc(one))).toBe(true);
    expect(same(randomizeLayers(defaultModel, { layers: names.slice(0, 3) }), threeBytes)).toBe(
      true,
    );
    expect(same(fc(other), fc(one))).toBe(false);
  });

  it('shuffle permutes each weight tensor’s own values', () => {
    const m = decode(randomizeLayers(defaultModel, { layers: ['fc/Gemm'], init: 'shuffle' }));
    const original = values(initializer(decode(defaultModel), 'fc.weight'));
    const shuffled = values(initializer(m, 'fc.weight'));
    expect(Array.from(shuffled).sort()).toEqual(Array.from(original).sort());
    expect(Array.from(shuffled)).not.toEqual(Array.from(original));
  });

  it('the randomized model runs and predicts differently; the original bytes are unchanged', async () => {
    const copy = defaultModel.slice();
    const names = parameterizedLayers(defaultModel).map((l) => l.name);
    const randomized = randomizeLayers(defaultModel, { layers: names });
    expect(same(defaultModel, copy)).toBe(true);
    const input = new ort.Tensor(
      'float32',
      Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => Math.cos(i)),
      [1, 3, 64, 64],
    );
    const logits = async (bytes: Uint8Array) => {
      const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
      const out = (await s.run({ input })).logits!.data as Float32Array;
      await s.release();
      return Array.from(out);
    };
    const a = await logits(defaultModel);
    const b = await logits(randomized);
    expect(b).toHaveLength(10);
    expect(b.every(Number.isFinite)).toBe(true);
    expect(b).not.toEqual(a);
  });

  it('names the layers it knows when given an unknown one; rejects a bad init', () => {
    expect(() => randomizeLayers(defaultModel, { layers: ['nope'] })).toThrow(
      expect.objectContaining({
        code: 'UNKNOWN_TENSOR',
        message: expect.stringMatching(/fc\/Gemm/),
      }),
    );
    expect(() => randomizeLayers(defaultModel, { layers: [], init: 'zeros' as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

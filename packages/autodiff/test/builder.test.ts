import { isFvError } from '@fv/core';
import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../src/index.js';
import { gradCheck } from './helpers/gradcheck.js';
import { buildModel, randomArray } from './helpers/onnx-model.js';
import { run } from './helpers/ort.js';
import { node, tinyModel } from './helpers/tiny-model.js';

function smallCnn(opset = 13): Uint8Array {
  return buildModel({
    opset,
    inputs: [{ name: 'x', dims: [1, 2, 8, 8] }],
    outputs: [{ name: 'logits', dims: [1, 3] }],
    floatInits: [
      { name: 'w', dims: [4, 2, 3, 3], data: randomArray(72, 1, -0.5, 0.5) },
      { name: 'b', dims: [4], data: randomArray(4, 2, -0.1, 0.1) },
      { name: 'fw', dims: [3, 64], data: randomArray(192, 3, -0.3, 0.3) },
      { name: 'fb', dims: [3], data: randomArray(3, 4) },
    ],
    nodes: [
      {
        op: 'Conv',
        inputs: ['x', 'w', 'b'],
        outputs: ['c'],
        attrs: { pads: { ints: [1, 1, 1, 1] }, kernel_shape: { ints: [3, 3] } },
      },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      {
        op: 'MaxPool',
        inputs: ['r'],
        outputs: ['p'],
        attrs: { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } },
      },
      { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'fw', 'fb'], outputs: ['logits'], attrs: { transB: { int: 1 } } },
    ],
  });
}

describe('buildGradientModel', () => {
  const input = { name: 'x', data: randomArray(128, 7), dims: [1, 2, 8, 8] };

  it('matches finite differences on a small conv net (logit objective)', async () => {
    const r = await gradCheck(smallCnn(), {
      objective: { kind: 'logit', output: 'logits' },
      input,
    });
    expect(r.worstRelError).toBeLessThan(2e-2);
    expect(r.gm.seedInput).toBeDefined();
    expect(Object.keys(r.gm.gradientOutputs)).toEqual(['x']);
  });

  it('matches finite differences for a layer mean-square objective', async () => {
    const r = await gradCheck(smallCnn(), { objective: { kind: 'layer', tensor: 'r' }, input });
    expect(r.worstRelError).toBeLessThan(2e-2);
    expect(r.gm.seedInput).toBeUndefined();
  });

  it('names the op and node when a rule is missing', () => {
    const model = buildModel({
      inputs: [{ name: 'x', dims: [1, 4] }],
      outputs: [{ name: 'y', dims: [1, 4] }],
      nodes: [{ op: 'Atan', inputs: ['x'], outputs: ['y'] }],
    });
    try {
      buildGradientModel(model, { objective: { kind: 'logit', output: 'y' } });
      expect.unreachable();
    } catch (error) {
      expect(isFvError(error, 'UNSUPPORTED_OP')).toBe(true);
      expect((error as Error).message).toMatch(
        /No gradient rule for op Atan \(Atan node 'Atan_0'\)/,
      );
      expect((error as Error).message).toMatch(/Ops with rules: .*Conv/);
    }
  });

  it('tells to export without onnxruntime optimizations for a fused com.microsoft op', () => {
    const model = tinyModel({
      inputs: { x: [1, 4] },
      nodes: [node('com.microsoft.BiasAdd', ['x', 'b', 'x'], ['y'])],
      floats: { b: { dims: [4], data: [1, 2, 3, 4] } },
    });
    expect(() =>
      buildGradientModel(model, { objective: { kind: 'logit', output: 'y' } }),
    ).toThrowError(
      expect.objectContaining({
        code: 'UNSUPPORTED_OP',
        message: expect.stringMatching(/com\.microsoft\.BiasAdd.*export the model without them/),
      }),
    );
  });

  it('rejects malformed bytes, unknown tensors and out-of-range channels with typed errors', () => {
    const model = smallCnn();
    expect(() =>
      buildGradientModel(new Uint8Array([1, 2, 3, 4, 5]), {
        objective: { kind: 'logit', output: 'logits' },
      }),
    ).toThrowError(expect.objectContaining({ code: 'INVALID_MODEL' }));
    expect(() =>
      buildGradientModel(model, { objective: { kind: 'logit', output: 'nope' } }),
    ).toThrowError(
      expect.objectContaining({ code: 'UNKNOWN_TENSOR', message: expect.stringMatching(/'nope'/) }),
    );
    expect(() =>
      buildGradientModel(model, { objective: { kind: 'logit', output: 'logits' }, wrt: ['w2'] }),
    ).toThrowError(expect.objectContaining({ code: 'UNKNOWN_TENSOR' }));
    expect(() =>
      buildGradientModel(model, { objective: { kind: 'channel', tensor: 'r', channel: 4 } }),
    ).toThrowError(
      expect.objectContaining({
        code: 'OUT_OF_RANGE',
        message: expect.stringMatching(/channel 4 .* 4 channels/),
      }),
    );
  });
});

describe('precomputeWeights', () => {
  it('gives the same gradient with flipped-weight Convs for stride 1 (groups, dilation, asymmetric pads)', async () => {
    const model = buildModel({
      inputs: [{ name: 'x', dims: [1, 4, 9, 9] }],
      outputs: [{ name: 'y', dims: [1, 6, 9, 9] }],
      floatInits: [
        { name: 'w1', dims: [6, 2, 3, 3], data: randomArray(108, 21) },
        { name: 'w2', dims: [6, 6, 3, 3], data: randomArray(324, 22) },
      ],
      nodes: [
        {
          op: 'Conv',
          inputs: ['x', 'w1'],
          outputs: ['c'],
          attrs: { group: { int: 2 }, pads: { ints: [1, 2, 1, 0] } },
        },
        {
          op: 'Conv',
          inputs: ['c', 'w2'],
          outputs: ['y'],
          attrs: { dilations: { ints: [2, 2] }, pads: { ints: [2, 2, 2, 2] } },
        },
      ],
    });
    const objective = { kind: 'layer', tensor: 'y' } as const;
    const x = { data: randomArray(324, 23), dims: [1, 4, 9, 9] };
    const plain = buildGradientModel(model, { objective });
    const flipped = buildGradientModel(model, { objective, precomputeWeights: true });
    const a = await run(plain.bytes, { x }, [plain.gradientOutputs.x!]);
    const b = await run(flipped.bytes, { x }, [flipped.gradientOutputs.x!]);
    const ga = a[plain.gradientOutputs.x!]!.data;
    const gb = b[flipped.gradientOutputs.x!]!.data;
    let maxDiff = 0;
    for (let i = 0; i < ga.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ga[i]! - gb[i]!));
    expect(maxDiff).toBeLessThan(1e-5 * Math.max(...ga.map(Math.abs)));
    // The flipped model holds weight copies; the plain one adds none.
    expect(flipped.bytes.length - model.length).toBeGreaterThan((108 + 324) * 4);
    expect(plain.bytes.length - model.length).toBeLessThan(4000);
  });
});

describe('scalar objectives', () => {
  it('differentiates a logit objective on a rank-0 output', async () => {
    const model = buildModel({
      inputs: [{ name: 'x', dims: [4] }],
      outputs: [{ name: 's', dims: [] }],
      nodes: [
        { op: 'Mul', inputs: ['x', 'x'], outputs: ['sq'] },
        { op: 'ReduceSum', inputs: ['sq'], outputs: ['s'], attrs: { keepdims: { int: 0 } } },
      ],
    });
    const gm = buildGradientModel(model, { objective: { kind: 'logit', output: 's' } });
    const x = Float32Array.from([1, -2, 3, 0.5]);
    const out = await run(gm.bytes, {
      x: { data: x, dims: [4] },
      [gm.seedInput!]: { data: Float32Array.from([1]), dims: [] },
    });
    // d(Σ x²)/dx = 2x
    expect(Array.from(out[gm.gradientOutputs.x!]!.data)).toEqual([2, -4, 6, 1]);
    expect(out[gm.valueOutput]!.data[0]).toBeCloseTo(14.25, 5);
  });
});

// The engine in a real worker thread against onnxruntime-web called directly and against the
// @fv/autodiff gradient model run directly; error codes across the boundary; caching; batches.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildGradientModel } from '@fv/autodiff';
import { FvError, type Objective } from '@fv/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine, type RuntimeEngine } from '../src/index.js';
import { rejection } from './helpers/errors.js';
import { convNet, randomInput, relativeError, runDirect } from './helpers/models.js';
import { workerUrl } from './helpers/worker.js';

const net = convNet({ size: 8 });
const dims = [1, 3, 8, 8];
const input = randomInput(3 * 8 * 8, 11);
const logit: Objective = { kind: 'logit', output: 'logits' };

let engine: RuntimeEngine;

beforeAll(async () => {
  engine = await createEngine({ model: net.bytes, backend: 'wasm', worker: await workerUrl() });
});

afterAll(async () => {
  await engine?.dispose();
});

describe('createEngine in Node', () => {
  test('describes the model: inputs, outputs, layers and the backend in use', () => {
    expect(engine.info.backend).toBe('wasm');
    expect(engine.info.backendReason).toMatch(/wasm/);
    expect(engine.info.inputs).toEqual([{ name: 'image', type: 'float32', dims: ['N', 3, 8, 8] }]);
    expect(engine.info.outputs.map((o) => o.name)).toEqual(['logits']);
    expect(engine.info.layers.map((l) => [l.name, l.opType])).toEqual([
      ['conv', 'Conv'],
      ['relu', 'Relu'],
      ['pool', 'GlobalAveragePool'],
      ['features', 'Flatten'],
      ['logits', 'Gemm'],
    ]);
    expect(engine.info.layers.every((l) => l.differentiable)).toBe(true);
  });

  test('forward gives the same logits as onnxruntime-web called directly', async () => {
    const out = await engine.forward({ data: input, dims });
    const direct = await runDirect(net.bytes, { image: { data: input, dims } });
    expect(Object.keys(out)).toEqual(['logits']);
    expect(out.logits!.dims).toEqual([1, 5]);
    expect(Array.from(out.logits!.data)).toEqual(Array.from(direct.logits!.data));
  });

  test('forward returns intermediate tensors by name', async () => {
    const out = await engine.forward(
      { data: input, dims },
      { outputs: ['conv', 'relu', 'logits'] },
    );
    expect(out.conv!.dims).toEqual([1, 4, 8, 8]);
    expect(out.relu!.dims).toEqual([1, 4, 8, 8]);
    expect(Array.from(out.relu!.data)).toEqual(Array.from(out.conv!.data, (v) => Math.max(0, v)));
    const direct = await runDirect(net.bytes, { image: { data: input, dims } });
    expect(Array.from(out.logits!.data)).toEqual(Array.from(direct.logits!.data));
  });

  test('gradient equals running the @fv/autodiff gradient model directly', async () => {
    const gm = buildGradientModel(net.bytes, {
      objective: logit,
      inputShapes: { image: dims },
      keep: ['relu'],
    });
    const seed = new Float32Array(5);
    seed[3] = 1;
    const direct = await runDirect(gm.bytes, {
      image: { data: input, dims },
      [gm.seedInput!]: { data: seed, dims: [1, 5] },
    });
    const result = await engine.gradient({ data: input, dims }, logit, { seed: 3, keep: ['relu'] });
    expect(result.value).toBeCloseTo(direct[gm.valueOutput]!.data[0]!, 6);
    expect(result.gradients.image!.dims).toEqual(dims);
    expect(Array.from(result.gradients.image!.data)).toEqual(
      Array.from(direct[gm.gradientOutputs.image!]!.data),
    );
    expect(Array.from(result.kept.relu!.data)).toEqual(
      Array.from(direct[gm.keptOutputs.relu!]!.data),
    );
    // The value is the class-3 logit.
    const logits = (await engine.forward({ data: input, dims })).logits!;
    expect(result.value).toBeCloseTo(logits.data[3]!, 5);
  });

  test('a seed tensor works like a one-hot class index', async () => {
    const seed = new Float32Array([0, 0.5, 0, -2, 0]);
    const byTensor = await engine.gradient({ data: input, dims }, logit, {
      seed: { data: seed, dims: [1, 5] },
    });
    const one = await engine.gradient({ data: input, dims }, logit, { seed: 1 });
    const three = await engine.gradient({ data: input, dims }, logit, { seed: 3 });
    const expected = one.gradients.image!.data.map(
      (v, i) => 0.5 * v - 2 * three.gradients.image!.data[i]!,
    );
    expect(relativeError(byTensor.gradients.image!.data, expected)).toBeLessThan(1e-5);
    expect(byTensor.value).toBeCloseTo(0.5 * one.value - 2 * three.value, 5);
  });

  test('layer, channel and neuron objectives and relu modes run', async () => {
    const objectives: Objective[] = [
      { kind: 'layer', tensor: 'relu' },
      { kind: 'channel', tensor: 'conv', channel: 2 },
      { kind: 'neuron', tensor: 'conv', channel: 1, x: 3, y: 4 },
    ];
    for (const objective of objectives) {
      for (const relu of ['standard', 'guided', 'deconvnet'] as const) {
        const gm = buildGradientModel(net.bytes, { objective, relu, inputShapes: { image: dims } });
        const direct = await runDirect(gm.bytes, { image: { data: input, dims } });
        const result = await engine.gradient({ data: input, dims }, objective, { relu });
        expect(result.value).toBeCloseTo(direct[gm.valueOutput]!.data[0]!, 5);
        expect(Array.from(result.gradients.image!.data)).toEqual(
          Array.from(direct[gm.gradientOutputs.image!]!.data),
        );
      }
    }
  });

  test('a second gradient call with another class never rebuilds or recompiles', async () => {
    const objective: Objective = { kind: 'logit', output: 'logits' };
    await engine.gradient({ data: input, dims }, objective, { seed: 0, relu: 'guided' });
    const before = await engine.stats();
    for (let k = 0; k < 5; k++)
      await engine.gradient({ data: input, dims }, objective, { seed: k, relu: 'guided' });
    const after = await engine.stats();
    expect(after.gradientModelsBuilt).toBe(before.gradientModelsBuilt);
    expect(after.sessionsCreated).toBe(before.sessionsCreated);
    expect(after.runs - before.runs).toBe(5);
  });

  test('batches run as one batch when the model has a free batch dimension', async () => {
    const batch = randomInput(4 * 3 * 64, 5);
    const out = await engine.forward({ data: batch, dims: [4, 3, 8, 8] });
    const direct = await runDirect(net.bytes, { image: { data: batch, dims: [4, 3, 8, 8] } });
    expect(out.logits!.dims).toEqual([4, 5]);
    expect(relativeError(out.logits!.data, direct.logits!.data)).toBeLessThan(1e-6);
    const g = await engine.gradient({ data: batch, dims: [4, 3, 8, 8] }, logit, { seed: 2 });
    expect(g.gradients.image!.dims).toEqual([4, 3, 8, 8]);
    const first = await engine.gradient({ data: batch.subarray(0, 192), dims }, logit, { seed: 2 });
    expect(
      relativeError(g.gradients.image!.data.subarray(0, 192), first.gradients.image!.data),
    ).toBeLessThan(1e-5);
  });

  test('batches are split into runs of 1 when the model fixes the batch at 1', async () => {
    const fixed = convNet({ size: 8, batch: 1 });
    const e = await createEngine({
      model: fixed.bytes,
      backend: 'wasm',
      worker: await workerUrl(),
    });
    try {
      const batch = randomInput(3 * 3 * 64, 9);
      const out = await e.forward({ data: batch, dims: [3, 3, 8, 8] });
      expect(out.logits!.dims).toEqual([3, 5]);
      const g = await e.gradient({ data: batch, dims: [3, 3, 8, 8] }, logit, {
        seed: 4,
        keep: ['pool'],
      });
      expect(g.gradients.image!.dims).toEqual([3, 3, 8, 8]);
      expect(g.kept.pool!.dims).toEqual([3, 4, 1, 1]);
      let sum = 0;
      for (let n = 0; n < 3; n++) {
        const one = { data: batch.slice(n * 192, (n + 1) * 192), dims };
        const single = await e.forward(one);
        expect(Array.from(out.logits!.data.subarray(n * 5, n * 5 + 5))).toEqual(
          Array.from(single.logits!.data),
        );
        const gs = await e.gradient(one, logit, { seed: 4 });
        expect(Array.from(g.gradients.image!.data.subarray(n * 192, (n + 1) * 192))).toEqual(
          Array.from(gs.gradients.image!.data),
        );
        sum += gs.value;
      }
      expect(g.value).toBeCloseTo(sum, 5);
    } finally {
      await e.dispose();
    }
  });

  test('shapes static inference cannot tell are observed in one forward run', async () => {
    // `reshaped` has relu's shape, through a Reshape whose target depends on a NonZero count.
    const byData = convNet({ size: 8, reshapeByData: true });
    expect(() =>
      buildGradientModel(byData.bytes, { objective: logit, inputShapes: { image: dims } }),
    ).toThrowError(/static dims.*unresolvedShapes/);
    const e = await createEngine({
      model: byData.bytes,
      backend: 'wasm',
      worker: await workerUrl(),
    });
    try {
      const batch = randomInput(2 * 3 * 64, 13);
      // Each objective on `reshaped`, and the same one on the plain network's `relu`.
      const pairs: [Objective, Objective][] = [
        [logit, logit],
        [
          { kind: 'channel', tensor: 'reshaped', channel: 2 },
          { kind: 'channel', tensor: 'relu', channel: 2 },
        ],
      ];
      for (const [k, [objective, plain]] of pairs.entries()) {
        const before = await e.stats();
        const g = await e.gradient({ data: batch, dims: [2, 3, 8, 8] }, objective, { seed: 3 });
        const after = await e.stats();
        // One observing forward run (its session opened once, for both objectives), then the
        // gradient model is built and run.
        expect(after.gradientModelsBuilt - before.gradientModelsBuilt).toBe(1);
        expect(after.sessionsCreated - before.sessionsCreated).toBe(k === 0 ? 2 : 1);
        expect(after.runs - before.runs).toBe(2);
        const reference = await engine.gradient({ data: batch, dims: [2, 3, 8, 8] }, plain, {
          seed: 3,
        });
        expect(g.value).toBeCloseTo(reference.value, 5);
        expect(
          relativeError(g.gradients.image!.data, reference.gradients.image!.data),
        ).toBeLessThan(1e-6);
      }
    } finally {
      await e.dispose();
    }
  });

  test('inputs are copied (not detached) unless transferInput is set', async () => {
    const data = input.slice();
    await engine.forward({ data, dims });
    expect(data.length).toBe(input.length);
    await engine.gradient({ data, dims }, logit, { seed: 1 });
    expect(data.length).toBe(input.length);
    const out = await engine.forward({ data, dims }, { transferInput: true });
    expect(data.length).toBe(0);
    expect(out.logits!.dims).toEqual([1, 5]);
  });

  test('models load from a file path, a file URL, an ArrayBuffer and a Blob', async () => {
    const file = join(tmpdir(), `fv-runtime-${process.pid}.onnx`);
    writeFileSync(file, net.bytes);
    const reference = (await engine.forward({ data: input, dims })).logits!.data;
    const buffer = net.bytes.slice().buffer;
    for (const model of [file, pathToFileURL(file), buffer, new Blob([readFileSync(file)])]) {
      const e = await createEngine({ model, backend: 'wasm', worker: await workerUrl() });
      try {
        expect(Array.from((await e.forward({ data: input, dims })).logits!.data)).toEqual(
          Array.from(reference),
        );
      } finally {
        await e.dispose();
      }
    }
    expect(buffer.byteLength).toBe(net.bytes.length);
  });

  test('reports load progress', async () => {
    const phases: string[] = [];
    const e = await createEngine({
      model: net.bytes,
      backend: 'wasm',
      worker: await workerUrl(),
      onProgress: (p) => phases.push(p.phase),
    });
    await e.dispose();
    expect(phases).toEqual(['compile', 'ready']);
  });
});

describe('errors keep their FvError code across the worker boundary', () => {
  test('bad model bytes → INVALID_MODEL', async () => {
    const garbage = Uint8Array.from({ length: 200 }, (_, i) => (i * 37) % 256);
    for (const model of [garbage, new Uint8Array(0), new TextEncoder().encode('not a model')]) {
      const error = await rejection(
        createEngine({ model, backend: 'wasm', worker: await workerUrl() }),
      );
      expect(error).toBeInstanceOf(FvError);
      expect(error.code).toBe('INVALID_MODEL');
    }
  });

  test('a model that onnxruntime cannot load (unknown op) names the op', async () => {
    const bad = convNet({ extraOp: 'NoSuchOp' });
    const error = await rejection(
      createEngine({ model: bad.bytes, backend: 'wasm', worker: await workerUrl() }),
    );
    expect(error).toBeInstanceOf(FvError);
    expect(error.code).toBe('UNSUPPORTED_OP');
    expect(error.message).toMatch(/NoSuchOp/);
    expect(error.message).toMatch(/NoSuchOp_extra/);
  });

  test('an op without a gradient rule → UNSUPPORTED_OP from @fv/autodiff, op named', async () => {
    const withSin = convNet({ extraOp: 'Sin' });
    const e = await createEngine({
      model: withSin.bytes,
      backend: 'wasm',
      worker: await workerUrl(),
    });
    try {
      const error = await rejection(
        e.gradient({ data: input, dims }, { kind: 'logit', output: 'extra' }, { seed: 0 }),
      );
      expect(error).toBeInstanceOf(FvError);
      expect(error.code).toBe('UNSUPPORTED_OP');
      expect(error.message).toMatch(/Sin/);
      // The engine still works.
      expect((await e.forward({ data: input, dims })).extra!.dims).toEqual([1, 5]);
    } finally {
      await e.dispose();
    }
  });

  test('unknown tensor names → UNKNOWN_TENSOR', async () => {
    const forward = await rejection(engine.forward({ data: input, dims }, { outputs: ['nope'] }));
    expect(forward).toBeInstanceOf(FvError);
    expect(forward.code).toBe('UNKNOWN_TENSOR');
    expect(forward.message).toMatch(/'nope'/);
    const layer = await rejection(
      engine.gradient({ data: input, dims }, { kind: 'layer', tensor: 'nope' }),
    );
    expect(layer.code).toBe('UNKNOWN_TENSOR');
    const keep = await rejection(
      engine.gradient({ data: input, dims }, logit, { seed: 0, keep: ['nope'] }),
    );
    expect(keep.code).toBe('UNKNOWN_TENSOR');
  });

  test('wrong input shapes → SHAPE_MISMATCH', async () => {
    const cases = [
      { data: input, dims: [1, 3, 8, 9] },
      { data: input, dims: [1, 3, 64] },
      { data: input.subarray(1), dims },
      { data: new Float32Array(4 * 64), dims: [1, 4, 8, 8] },
    ];
    for (const t of cases) {
      const error = await rejection(engine.forward(t));
      expect(error).toBeInstanceOf(FvError);
      expect(error.code).toBe('SHAPE_MISMATCH');
      const g = await rejection(engine.gradient(t, logit, { seed: 0 }));
      expect(g.code).toBe('SHAPE_MISMATCH');
    }
    const seed = await rejection(
      engine.gradient({ data: input, dims }, logit, {
        seed: { data: new Float32Array(4), dims: [1, 4] },
      }),
    );
    expect(seed.code).toBe('SHAPE_MISMATCH');
  });

  test('wrong dtype, missing seed and out-of-range class → INVALID_ARGUMENT / OUT_OF_RANGE', async () => {
    const dtype = await rejection(
      engine.forward({ data: new Float64Array(192) as unknown as Float32Array, dims }),
    );
    expect(dtype.code).toBe('INVALID_ARGUMENT');
    const noSeed = await rejection(engine.gradient({ data: input, dims }, logit));
    expect(noSeed.code).toBe('INVALID_ARGUMENT');
    const range = await rejection(engine.gradient({ data: input, dims }, logit, { seed: 5 }));
    expect(range.code).toBe('OUT_OF_RANGE');
    const relu = await rejection(
      engine.gradient({ data: input, dims }, logit, { seed: 0, relu: 'bogus' as 'guided' }),
    );
    expect(relu.code).toBe('INVALID_ARGUMENT');
  });

  test("backend 'webgpu' in Node → BACKEND_UNAVAILABLE", async () => {
    const error = await rejection(
      createEngine({ model: net.bytes, backend: 'webgpu', worker: await workerUrl() }),
    );
    expect(error).toBeInstanceOf(FvError);
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
  });

  test('errors carry the worker-side stack and the FvError name', async () => {
    const error = await rejection(engine.forward({ data: input, dims }, { outputs: ['nope'] }));
    expect(error.name).toBe('FvError');
    expect(error.stack).toMatch(/UNKNOWN_TENSOR|not a tensor/);
  });
});

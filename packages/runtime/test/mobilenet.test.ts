// The shared pretrained MobileNetV2 through the engine: the same logits as onnxruntime-web called
// directly, the same gradient as the @fv/autodiff model run directly, intermediate layers by name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGradientModel } from '@fv/autodiff';
import type { Objective } from '@fv/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeWithModels } from '../../../test/helpers/models.js';
import { createEngine, type RuntimeEngine } from '../src/index.js';
import { randomInput, relativeError, runDirect } from './helpers/models.js';
import { workerUrl } from './helpers/worker.js';

describeWithModels('MobileNetV2 in the engine (Node, wasm)', (dir) => {
  const file = join(dir, 'imagenet', 'mobilenet_v2_1.0_224.onnx');
  const dims = [1, 3, 224, 224];
  const input = randomInput(3 * 224 * 224, 21);
  const layer = 'MobilenetV2/expanded_conv_5/depthwise/Relu6';
  let engine: RuntimeEngine;
  let bytes: Uint8Array;

  beforeAll(async () => {
    bytes = new Uint8Array(readFileSync(file));
    engine = await createEngine({ model: file, backend: 'wasm', worker: await workerUrl() });
  });
  afterAll(async () => {
    await engine?.dispose();
  });

  test('lists inputs, outputs and layers', () => {
    expect(engine.info.inputs[0]).toMatchObject({ name: 'input', dims: [1, 3, 224, 224] });
    expect(engine.info.outputs.map((o) => o.name)).toEqual(['logits', 'probs']);
    const found = engine.info.layers.find((l) => l.name === layer);
    expect(found).toMatchObject({ opType: 'Clip', differentiable: true });
  });

  test('forward: the same logits and probabilities as onnxruntime-web directly', async () => {
    const out = await engine.forward(
      { data: input, dims },
      { outputs: ['logits', 'probs', layer] },
    );
    const direct = await runDirect(bytes, { input: { data: input, dims } });
    expect(out.logits!.dims).toEqual([1, 1001]);
    expect(relativeError(out.logits!.data, direct.logits!.data)).toBeLessThan(1e-6);
    expect(relativeError(out.probs!.data, direct.probs!.data)).toBeLessThan(1e-6);
    expect(out[layer]!.dims[1]).toBeGreaterThan(0);
  });

  test('gradient: the same as running the @fv/autodiff gradient model directly', async () => {
    const objective: Objective = { kind: 'logit', output: 'logits' };
    const gm = buildGradientModel(bytes, { objective, inputShapes: { input: dims } });
    const seed = new Float32Array(1001);
    seed[282] = 1;
    const direct = await runDirect(gm.bytes, {
      input: { data: input, dims },
      [gm.seedInput!]: { data: seed, dims: [1, 1001] },
    });
    const result = await engine.gradient({ data: input, dims }, objective, { seed: 282 });
    expect(result.value).toBeCloseTo(direct[gm.valueOutput]!.data[0]!, 4);
    expect(
      relativeError(result.gradients.input!.data, direct[gm.gradientOutputs.input!]!.data),
    ).toBeLessThan(1e-5);
    const again = await engine.gradient({ data: input, dims }, objective, { seed: 7 });
    expect(again.gradients.input!.dims).toEqual(dims);
    expect((await engine.stats()).gradientModelsBuilt).toBe(1);
  }, 120_000);
});

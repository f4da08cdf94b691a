// Shapes that only a forward run can tell: the golden of tools/observed_shapes.py, a network whose
// Gather indices come from a NonZero node (6 of 8 rows kept), so that @fv/autodiff's static shape
// inference cannot tell the shapes the gradient needs. The engine observes them in one forward
// run; its gradients equal PyTorch autograd's.
import { readFileSync } from 'node:fs';
import { buildGradientModel, unresolvedShapes } from '@fv/autodiff';
import type { Objective } from '@fv/core';
import { describe, expect, test } from 'vitest';
import { compare } from '../../../test/helpers/compare.js';
import { createEngine } from '../src/index.js';
import { workerUrl } from './helpers/worker.js';

const dir = new URL('../../../test/fixtures/observed-shapes/', import.meta.url);
const bytes = new Uint8Array(readFileSync(new URL('model.onnx', dir)));
const ref = JSON.parse(readFileSync(new URL('reference.json', dir), 'utf8')) as {
  input: { name: string; dims: number[]; data: number[] };
  output: string;
  logits: number[];
  classes: number[];
  logitGrad: number[];
  layer: { tensor: string; dims: number[]; value: number };
  layerGrad: number[];
};
const input = { data: Float32Array.from(ref.input.data), dims: ref.input.dims };
const logit: Objective = { kind: 'logit', output: ref.output };
const layer: Objective = { kind: 'layer', tensor: ref.layer.tensor };

/** The one-hot seed of each image's class, shaped like the logits. */
function classSeed(): { data: Float32Array; dims: number[] } {
  const k = ref.logits.length / ref.classes.length;
  const data = new Float32Array(ref.logits.length);
  ref.classes.forEach((c, b) => {
    data[b * k + c] = 1;
  });
  return { data, dims: [ref.classes.length, k] };
}

function expectAgreement(actual: ArrayLike<number>, reference: readonly number[]): void {
  const { cosine, relL2 } = compare(actual, reference);
  expect(cosine).toBeGreaterThan(0.9998);
  expect(relL2).toBeLessThan(1e-4);
}

describe('shapes observed in one forward run (a NonZero-indexed Gather)', () => {
  test('static inference cannot tell them: building without observed shapes fails', () => {
    const inputShapes = { [ref.input.name]: ref.input.dims };
    expect(unresolvedShapes(bytes, { inputShapes })).toContain(ref.layer.tensor);
    for (const objective of [logit, layer])
      expect(() => buildGradientModel(bytes, { objective, inputShapes })).toThrowError(
        /static.*observedShapes/,
      );
  });

  test('the engine observes them; forward, values and gradients match PyTorch', async () => {
    const engine = await createEngine({ model: bytes, backend: 'wasm', worker: await workerUrl() });
    try {
      const out = await engine.forward(input, { outputs: [ref.output, ref.layer.tensor] });
      expectAgreement(out[ref.output]!.data, ref.logits);
      expect(out[ref.layer.tensor]!.dims).toEqual(ref.layer.dims);

      const before = await engine.stats();
      const g = await engine.gradient(input, logit, { seed: classSeed() });
      expectAgreement(g.gradients[ref.input.name]!.data, ref.logitGrad);
      const l = await engine.gradient(input, layer);
      expect(l.value).toBeCloseTo(ref.layer.value, 5);
      expectAgreement(l.gradients[ref.input.name]!.data, ref.layerGrad);
      const after = await engine.stats();
      expect(after.gradientModelsBuilt - before.gradientModelsBuilt).toBe(2);

      // The same input size again: the gradient model is reused, nothing observed again.
      await engine.gradient(input, logit, { seed: classSeed() });
      expect((await engine.stats()).runs - after.runs).toBe(1);
    } finally {
      await engine.dispose();
    }
  });
});

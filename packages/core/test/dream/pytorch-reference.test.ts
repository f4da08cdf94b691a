// Deep Dream against PyTorch: the first steps of the original update (jitter 0) on a small CNN,
// computed by tools/dream_fixtures.py in float64, and here through @fv/autodiff's gradient model
// run by onnxruntime-web (float32).
import { type DeepDreamOptions, type DreamObjective, deepDream, type Engine } from '@fv/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFixture } from '../helpers/fixtures.js';
import { createOrtEngine } from '../helpers/ort-engine.js';

interface Case {
  name: string;
  objective: DreamObjective;
  normalization: 'mean-abs' | 'std';
  stepSize: number;
  octaves: number;
  steps: number;
  octaveScale: number;
  values: number[];
  frames: { dims: number[]; offset: number }[];
}

const { manifest, floats, file } = readFixture<{
  input: { dims: number[]; offset: number };
  range: [number, number];
  cases: Case[];
}>('dream');

describe('deepDream matches the PyTorch reference (tools/dream_fixtures.py)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createOrtEngine(file('model.onnx'));
  });
  afterAll(async () => engine.dispose());

  for (const c of manifest.cases) {
    it(`${c.name}: ${c.octaves} octave(s) × ${c.steps} steps, '${c.normalization}'`, async () => {
      const image = {
        data: floats(manifest.input.offset, manifest.input.dims),
        dims: manifest.input.dims,
      };
      const options: DeepDreamOptions = {
        objective: c.objective,
        range: manifest.range,
        octaves: c.octaves,
        octaveScale: c.octaveScale,
        steps: c.steps,
        stepSize: c.stepSize,
        normalization: c.normalization,
        jitter: 0,
      };
      let i = 0;
      for await (const frame of deepDream(engine, image, options)) {
        const ref = c.frames[i] as Case['frames'][number];
        expect(frame.image.dims).toEqual(ref.dims);
        const expected = floats(ref.offset, ref.dims);
        let worst = 0;
        for (let k = 0; k < expected.length; k++)
          worst = Math.max(
            worst,
            Math.abs((frame.image.data[k] as number) - (expected[k] as number)),
          );
        expect(worst, `step ${i + 1}: largest pixel difference`).toBeLessThan(5e-5);
        expect(frame.value).toBeCloseTo(c.values[i] as number, 4);
        i++;
      }
      expect(i).toBe(c.frames.length);
    });
  }
});

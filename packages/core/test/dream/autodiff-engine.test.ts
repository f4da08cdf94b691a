// Guided dreaming and diversity need more of the engine than plain objectives: forward values of
// an intermediate tensor and a `logit` objective on it seeded with a full tensor. This runs them
// through @fv/autodiff's gradient models in onnxruntime-web, on the dream fixture network.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deepDream, type Engine, unitVisualization } from '@fv/core';

// RGB in [0, 1] to model input: (rgb − 0.5) / 0.5.
const half = { scale: 1 / 255, mean: [0.5], std: [0.5] };

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrtEngine } from '../helpers/ort-engine.js';
import { randomImage } from './helpers/analytic-engine.js';

const dir = fileURLToPath(new URL('../../../../test/fixtures/dream/', import.meta.url));
const manifest = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as { layer: string };

describe('dreams through autodiff gradient models (fixture network)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createOrtEngine(new Uint8Array(readFileSync(`${dir}model.onnx`)));
  });
  afterAll(async () => engine.dispose());

  it('guided dreaming raises the match with the guide features', async () => {
    const values: number[] = [];
    for await (const f of deepDream(engine, randomImage([1, 3, 32, 32], 1, -0.5, 0.5), {
      objective: { kind: 'guide', tensor: manifest.layer, image: randomImage([1, 3, 32, 32], 2) },
      range: [-1, 1],
      octaves: 1,
      steps: 6,
      jitter: 0,
      stepSize: 0.02,
    }))
      values.push(f.value);
    expect(values.at(-1) as number).toBeGreaterThan(values[0] as number);
  });

  it('diversity runs through kept activations and a layer gradient seeded with its gradient', async () => {
    const frames = [];
    for await (const f of unitVisualization(
      engine,
      undefined,
      {
        objective: { kind: 'channel', tensor: manifest.layer, channel: 2 },
        imagesPerObjective: 2,
        diversity: { tensor: manifest.layer, weight: 10 },
        size: [24, 24],
        steps: 4,
        seed: 1,
      },
      half,
    ))
      frames.push(f);
    const last = frames.at(-1);
    expect(last?.rgb.dims).toEqual([2, 3, 24, 24]);
    expect(last?.values.every((v) => Number.isFinite(v))).toBe(true);
  });
});

describe('a batch of units in one engine call (fixture network with a free batch dimension)', () => {
  it('equals one call per unit, with one gradient call per step', async () => {
    const bytes = new Uint8Array(readFileSync(`${dir}model.onnx`));
    const options = {
      objective: [0, 3, 7].map(
        (channel) => ({ kind: 'channel', tensor: manifest.layer, channel }) as const,
      ),
      size: [20, 20] as const,
      steps: 3,
      transforms: false as const,
      seed: 4,
    };
    const batched = await createOrtEngine(bytes);
    const sequential = await createOrtEngine(bytes);
    const a = await unitVisualization(batched, undefined, options, half);
    const b = await unitVisualization(
      sequential,
      undefined,
      { ...options, batch: 'sequential' },
      half,
    );
    expect(batched.calls.gradient).toBe(3);
    expect(sequential.calls.gradient).toBe(9);
    expect(a.dims).toEqual([3, 3, 20, 20]);
    let worst = 0;
    for (let k = 0; k < a.data.length; k++)
      worst = Math.max(worst, Math.abs((a.data[k] as number) - (b.data[k] as number)));
    expect(worst).toBeLessThan(1e-4);
    await batched.dispose();
    await sequential.dispose();
  });
});

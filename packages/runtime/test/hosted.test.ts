// @fv/core's loops hosted in the worker (one `engine.run` request, frames streamed back) give the
// same results as the same core functions driving the engine call by call from this thread.
import { receptiveField } from '@fv/autodiff';
import {
  classVisualization,
  datasetExamples,
  deepDream,
  type Engine,
  FvError,
  type SaliencyFrame,
  saliency,
  unitVisualization,
} from '@fv/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine, type RuntimeEngine } from '../src/index.js';
import { convNet, randomInput } from './helpers/models.js';
import { inPlace, workerUrl } from './helpers/worker.js';

const net = convNet({ size: 8 });
const image = { data: randomInput(192, 31), dims: [1, 3, 8, 8] };
let engine: RuntimeEngine;
/** The same engine without `run`: core's loops then run here, one engine call at a time. */
let local: Engine;

beforeAll(async () => {
  engine = await createEngine({ model: net.bytes, backend: 'wasm', worker: await workerUrl() });
  local = inPlace(engine);
});
afterAll(async () => {
  await engine?.dispose();
});

describe('loops hosted in the worker', () => {
  test('SmoothGrad in the worker equals SmoothGrad driven from this thread; frames stream back', async () => {
    const options = { method: 'smoothgrad', target: 2, samples: 12, seed: 5 } as const;
    const frames: SaliencyFrame[] = [];
    const before = await engine.stats();
    const run = saliency(engine, image, { ...options, frameIntervalMs: 0 });
    for await (const frame of run) frames.push(frame);
    const hosted = await run;
    const hostedRuns = (await engine.stats()).runs - before.runs;
    const inPlace = await saliency(local, image, options);
    expect(hosted.target).toBe(2);
    expect(Array.from(hosted.attribution.data)).toEqual(Array.from(inPlace.attribution.data));
    expect(Array.from(hosted.map.data)).toEqual(Array.from(inPlace.map.data));
    expect(hosted.score).toBe(inPlace.score);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.at(-1)!.step).toBe(frames.at(-1)!.totalSteps);
    expect(hostedRuns).toBeGreaterThan(0);
  });

  test('integrated gradients with the top class, awaited without frames', async () => {
    const options = { method: 'integrated-gradients', target: 'top', steps: 8 } as const;
    const hosted = await saliency(engine, image, options);
    const inPlace = await saliency(local, image, options);
    expect(hosted.target).toBe(inPlace.target);
    expect(Array.from(hosted.attribution.data)).toEqual(Array.from(inPlace.attribution.data));
  });

  test('Deep Dream in the worker equals Deep Dream driven from this thread; frames stream back', async () => {
    const options = {
      objective: { kind: 'layer', tensor: 'relu' },
      range: [-1, 1],
      octaves: 1,
      steps: 4,
      seed: 3,
    } as const;
    const steps: number[] = [];
    const run = deepDream(engine, image, { ...options, frameIntervalMs: 0 });
    for await (const frame of run) steps.push(frame.step);
    const hosted = await run;
    const inPlace = await deepDream(local, image, options);
    expect(hosted.dims).toEqual(inPlace.dims);
    expect(Array.from(hosted.data)).toEqual(Array.from(inPlace.data));
    expect(steps.at(-1)).toBe(4);
    expect(Array.from(hosted.data)).not.toEqual(Array.from(image.data));
  });

  test('unit and class visualization in the worker equal the same loops driven from here', async () => {
    const unit = {
      objective: { kind: 'channel', tensor: 'relu', channel: 1 },
      size: [8, 8],
      steps: 3,
      seed: 2,
    } as const;
    const hostedUnit = await unitVisualization(engine, undefined, unit);
    const inPlaceUnit = await unitVisualization(local, undefined, unit);
    expect(Array.from(hostedUnit.data)).toEqual(Array.from(inPlaceUnit.data));
    // What happened to each image crosses the worker boundary with the images.
    expect(hostedUnit.outcomes).toEqual(inPlaceUnit.outcomes);
    expect(hostedUnit.outcomes).toHaveLength(1);
    const cls = { classIndex: 1, steps: 3, seed: 2 } as const;
    const hostedClass = await classVisualization(engine, undefined, cls);
    const inPlaceClass = await classVisualization(local, undefined, cls);
    expect(Array.from(hostedClass.data)).toEqual(Array.from(inPlaceClass.data));
  });

  test('dataset examples of an image array in the worker equal the same pass driven from here', async () => {
    const images = Array.from({ length: 5 }, (_, i) => ({
      id: `image-${i}`,
      image: { data: randomInput(192, 40 + i), dims: [1, 3, 8, 8] },
    }));
    const options = {
      layers: ['relu'],
      receptiveFields: { relu: receptiveField(net.bytes, 'relu', { inputSize: [8, 8] }) },
      topK: 3,
      batchSize: 2,
    };
    const before = await engine.stats();
    const steps: number[] = [];
    const run = datasetExamples(engine, images, { ...options, frameIntervalMs: 0 });
    for await (const frame of run) steps.push(frame.step);
    const hosted = await run;
    const hostedRuns = (await engine.stats()).runs - before.runs;
    const inPlace = await datasetExamples(local, images, options);
    expect(hosted).toEqual(inPlace);
    expect(hosted.layers[0]!.units[0]!.top).toHaveLength(3);
    expect(steps.at(-1)).toBe(5);
    expect(hostedRuns).toBeGreaterThan(0);
  });

  test('aborting a hosted SmoothGrad rejects with AbortError; the engine stays usable', async () => {
    const controller = new AbortController();
    const call = saliency(engine, image, {
      method: 'smoothgrad',
      target: 1,
      samples: 2000,
      batchSize: 1,
      signal: controller.signal,
    }).result;
    setTimeout(() => controller.abort(), 50);
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FvError);
    expect((error as FvError).code).toBe('ABORTED');
    const again = await saliency(engine, image, { method: 'vanilla', target: 1 });
    expect(again.attribution.dims).toEqual([1, 3, 8, 8]);
  });

  test('leaving the iteration early stops the hosted loop', async () => {
    const run = unitVisualization(engine, undefined, {
      objective: { kind: 'channel', tensor: 'relu', channel: 0 },
      size: [8, 8],
      steps: 5000,
      frameIntervalMs: 0,
    });
    let seen = 0;
    for await (const frame of run) {
      seen = frame.step;
      if (seen >= 2) break;
    }
    const error = await run.result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as FvError).code).toBe('ABORTED');
    const runs = (await engine.stats()).runs;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await engine.stats()).runs).toBe(runs);
  });
});

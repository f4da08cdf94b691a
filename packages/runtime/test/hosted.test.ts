// @fv/core's loops hosted in the worker (one request, progress and frames streamed back) give the
// same results as the same core functions driving the engine from this thread.
import { FvError, runDeepDream, type SaliencyProgress, saliency } from '@fv/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine, type RuntimeEngine } from '../src/index.js';
import { convNet, randomInput } from './helpers/models.js';
import { workerUrl } from './helpers/worker.js';

const net = convNet({ size: 8 });
const image = { data: randomInput(192, 31), dims: [1, 3, 8, 8] };
let engine: RuntimeEngine;

beforeAll(async () => {
  engine = await createEngine({ model: net.bytes, backend: 'wasm', worker: await workerUrl() });
});
afterAll(async () => {
  await engine?.dispose();
});

describe('saliency and Deep Dream hosted in the worker', () => {
  test('SmoothGrad in the worker equals SmoothGrad driven from this thread; progress streams back', async () => {
    const options = { method: 'smoothgrad', target: 2, samples: 12, seed: 5 } as const;
    const progress: SaliencyProgress[] = [];
    const before = await engine.stats();
    const hosted = await engine.saliency(image, {
      ...options,
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    const hostedRuns = (await engine.stats()).runs - before.runs;
    const local = await saliency(engine, image, options);
    expect(hosted.target).toBe(2);
    expect(Array.from(hosted.attribution.data)).toEqual(Array.from(local.attribution.data));
    expect(Array.from(hosted.absolute.data)).toEqual(Array.from(local.absolute.data));
    expect(hosted.score).toBe(local.score);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)!.done).toBe(progress.at(-1)!.total);
    expect(hostedRuns).toBeGreaterThan(0);
  });

  test('integrated gradients with the top class', async () => {
    const options = { method: 'integrated-gradients', target: 'top', steps: 8 } as const;
    const hosted = await engine.saliency(image, options);
    const local = await saliency(engine, image, options);
    expect(hosted.target).toBe(local.target);
    expect(Array.from(hosted.attribution.data)).toEqual(Array.from(local.attribution.data));
  });

  test('Deep Dream in the worker equals Deep Dream driven from this thread; frames stream back', async () => {
    const options = {
      objective: { kind: 'layer', tensor: 'relu' },
      range: [-1, 1],
      octaves: 1,
      steps: 4,
      seed: 3,
    } as const;
    const frames: number[] = [];
    const hosted = await engine.deepDream(image, {
      ...options,
      onFrame: (frame) => frames.push(frame.step),
      frameIntervalMs: 0,
    });
    const local = await runDeepDream(engine, image, options);
    expect(hosted.dims).toEqual(local.dims);
    expect(Array.from(hosted.data)).toEqual(Array.from(local.data));
    expect(frames.at(-1)).toBe(4);
    expect(Array.from(hosted.data)).not.toEqual(Array.from(image.data));
  });

  test('aborting a hosted SmoothGrad rejects with AbortError; the engine stays usable', async () => {
    const controller = new AbortController();
    const call = engine.saliency(image, {
      method: 'smoothgrad',
      target: 1,
      samples: 2000,
      batchSize: 1,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FvError);
    expect((error as FvError).code).toBe('ABORTED');
    const again = await engine.saliency(image, { method: 'vanilla', target: 1 });
    expect(again.attribution.dims).toEqual([1, 3, 8, 8]);
  });
});

// @fv/core's explanation metrics hosted in the worker: the same numbers as in place, frames stream
// back, abort stops them, and the cascading randomization uses models the worker randomizes
// itself (the same weights as @fv/autodiff's randomizeLayers gives in this thread).
import { parameterizedLayers, randomizeLayers } from '@fv/autodiff';
import {
  type CompareFrame,
  compareMethods,
  type Engine,
  evaluate,
  isFvError,
  type RandomizedModels,
  saliency,
} from '@fv/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine, type RuntimeEngine } from '../src/index.js';
import { convNet, randomInput } from './helpers/models.js';
import { inPlace, workerUrl } from './helpers/worker.js';

const net = convNet({ size: 8 });
const image = { data: randomInput(192, 41), dims: [1, 3, 8, 8] };
let engine: RuntimeEngine;
/** The same engine without `run`: core's loops then run here, one engine call at a time. */
let local: Engine;
const extra: RuntimeEngine[] = [];

beforeAll(async () => {
  engine = await createEngine({ model: net.bytes, backend: 'wasm', worker: await workerUrl() });
  local = inPlace(engine);
});
afterAll(async () => {
  await engine?.dispose();
  for (const e of extra) await e.dispose();
});

describe('explanation metrics hosted in the worker', () => {
  test('deletion in the worker equals deletion driven from this thread', async () => {
    const { map, target } = await saliency(engine, image, { method: 'vanilla', target: 'top' });
    const options = { metric: 'deletion', target, map, pixelsPerStep: 5 } as const;
    const frames: number[] = [];
    const run = evaluate(engine, image, { ...options, frameIntervalMs: 0 });
    for await (const frame of run) frames.push(frame.step);
    const hosted = await run;
    const inPlace = await evaluate(local, image, options);
    expect(Array.from(hosted.scores)).toEqual(Array.from(inPlace.scores));
    expect(hosted.auc).toBe(inPlace.auc);
    expect(frames.at(-1)).toBe(frames.length);
  });

  test('randomization with the worker’s own randomized models equals autodiff’s, in place', async () => {
    const layers = parameterizedLayers(net.bytes).map((l) => l.name);
    expect(layers).toEqual(['Gemm_logits', 'Conv_conv']);
    const models: RandomizedModels = {
      layers,
      async randomize(count) {
        const e = await createEngine({
          model: randomizeLayers(net.bytes, { layers: layers.slice(0, count), seed: 4 }),
          backend: 'wasm',
          worker: await workerUrl(),
        });
        extra.push(e);
        return e;
      },
    };
    const options = {
      methods: [
        { method: 'vanilla', target: 'top' },
        { method: 'random', target: 'top' },
      ],
      metrics: ['randomization'],
    } as const;
    const frames: CompareFrame[] = [];
    const run = compareMethods(engine, image, {
      ...options,
      randomization: { seed: 4 },
      frameIntervalMs: 0,
    });
    for await (const frame of run) frames.push(frame);
    const hosted = await run;
    const inPlace = await compareMethods(local, image, { ...options, randomization: { models } });
    expect(frames.map((f) => [f.method, f.stage])).toEqual([
      ['vanilla', 'explanation'],
      ['vanilla', 'randomization'],
      ['random', 'explanation'],
      ['random', 'randomization'],
    ]);
    const steps = (c: typeof hosted, k: number) => c.methods[k]!.randomization!.steps;
    expect(steps(hosted, 0).map((s) => s.layer)).toEqual(layers);
    expect(steps(hosted, 0)).toEqual(steps(inPlace, 0));
    expect(steps(hosted, 0)[1]!.spearmanAbsolute).toBeLessThan(0.9);
    expect(steps(hosted, 1).map((s) => s.spearmanAbsolute)).toEqual([1, 1]);
  });

  test('abort stops a hosted comparison; an engine that cannot randomize says so', async () => {
    const controller = new AbortController();
    const run = compareMethods(engine, image, {
      methods: [{ method: 'smoothgrad', target: 'top', samples: 8 }],
      metrics: ['sensitivity', 'randomization'],
      signal: controller.signal,
      frameIntervalMs: 0,
    });
    const error = await (async () => {
      for await (const _frame of run) controller.abort();
    })().catch((e: unknown) => e);
    expect(isFvError(error, 'ABORTED')).toBe(true);
    const refused = await compareMethods(local, image, {
      methods: [{ method: 'vanilla', target: 'top' }],
      metrics: ['randomization'],
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isFvError(refused, 'INVALID_ARGUMENT')).toBe(true);
    expect((refused as Error).message).toMatch(/randomized models/);
    // Models are functions: they cannot go to the worker, which randomizes its own.
    const models: RandomizedModels = { layers: ['x'], randomize: async () => local };
    expect(() =>
      compareMethods(engine, image, {
        methods: [{ method: 'vanilla', target: 'top' }],
        metrics: ['randomization'],
        randomization: { models },
      }),
    ).toThrow(/leave models out/);
  });
});

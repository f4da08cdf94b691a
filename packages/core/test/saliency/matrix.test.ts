// One configuration matrix: every saliency method through the same invariants (Captum style).
import { describe, expect, it } from 'vitest';
import { isFvError, type SaliencyOptions, saliency, type Tensor } from '../../src/index.js';
import { analyticEngine, camModel, fixedArray } from './analytic-engines.js';

const [c, h, w, k, classes] = [3, 8, 8, 4, 5];
const model = camModel(c, h, w, k, classes);
const x: Tensor = { data: fixedArray(c * h * w, 9), dims: [1, c, h, w] };

const methods: readonly SaliencyOptions[] = [
  { method: 'vanilla', target: 1 },
  { method: 'gradient-x-input', target: 1 },
  { method: 'smoothgrad', target: 1, samples: 6, sigma: 0.2 },
  { method: 'smoothgrad', target: 'top', samples: 5, variant: 'squared' },
  { method: 'smoothgrad', target: 2, samples: 5, variant: 'variance', score: 'probability' },
  { method: 'integrated-gradients', target: 1, steps: 5 },
  { method: 'integrated-gradients', target: 3, steps: 4, baseline: 'uniform', rule: 'trapezoid' },
  {
    method: 'integrated-gradients',
    target: 0,
    steps: 4,
    baseline: 'blurred',
    score: 'probability',
  },
  { method: 'guided-backprop', target: 1 },
  { method: 'deconvnet', target: 'top' },
  { method: 'grad-cam', target: 1 },
  { method: 'grad-cam', target: 1, layer: 'pre', relu: false },
  { method: 'guided-grad-cam', target: 2 },
  { method: 'grad-cam++', target: 4 },
  { method: 'score-cam', target: 1, maxChannels: 3 },
  { method: 'occlusion', target: 1, window: 3, stride: 2 },
  { method: 'occlusion', target: 'top', score: 'probability' },
  { method: 'rise', target: 1, masks: 24, cells: 3 },
  { method: 'rise', target: 'top', masks: 10, cells: 5, keep: 0.3, score: 'logit', seed: 2 },
];

const label = (o: SaliencyOptions) => JSON.stringify(o).slice(0, 110);

describe.each(methods.map((o) => [label(o), o] as const))('%s', (_name, options) => {
  it('returns an input-sized, finite signed map: the attribution of the largest channel', async () => {
    const r = await saliency(analyticEngine(model), x, options);
    expect(r.method).toBe(options.method);
    expect([r.map.width, r.map.height, r.map.data.length]).toEqual([w, h, w * h]);
    expect(r.map.data.every(Number.isFinite)).toBe(true);
    const a = r.attribution;
    const channels = a.data.length / (w * h);
    for (let p = 0; p < w * h; p++) {
      const values = Array.from({ length: channels }, (_, c) => a.data[c * w * h + p]!);
      expect(values).toContain(r.map.data[p]);
      expect(Math.abs(r.map.data[p]!)).toBe(Math.max(...values.map(Math.abs)));
    }
    expect(r.attribution.data.every(Number.isFinite)).toBe(true);
    expect(r.map.data.some((v) => v !== 0)).toBe(true);
    expect(Number.isInteger(r.target)).toBe(true);
  });

  it('is deterministic, whatever the batch size', async () => {
    const a = await saliency(analyticEngine(model), x, { ...options, batchSize: 1 });
    const b = await saliency(analyticEngine(model), x, { ...options, batchSize: 3 });
    const fixed = await saliency(analyticEngine(model, { fixedBatch: true }), x, options);
    expect(Array.from(b.attribution.data)).toEqual(Array.from(a.attribution.data));
    expect(Array.from(fixed.map.data)).toEqual(Array.from(a.map.data));
  });

  it('reports progress frames up to step = totalSteps', async () => {
    const seen: [number, number][] = [];
    for await (const p of saliency(analyticEngine(model), x, { ...options, batchSize: 2 })) {
      seen.push([p.step, p.totalSteps]);
    }
    expect(seen.length).toBeGreaterThan(0);
    const [done, total] = seen[seen.length - 1]!;
    expect(done).toBe(total);
    // One plan per run: the total never changes and done only grows.
    for (let i = 0; i < seen.length; i++) {
      expect(seen[i]![1]).toBe(total);
      if (i > 0) expect(seen[i]![0]).toBeGreaterThan(seen[i - 1]![0]);
    }
  });

  it('rejects with AbortError when aborted before or during the run', async () => {
    const before = new AbortController();
    before.abort();
    const pre = await saliency(analyticEngine(model), x, {
      ...options,
      signal: before.signal,
    }).then(undefined, (e: unknown) => e);
    expect(isFvError(pre, 'ABORTED')).toBe(true);
    expect((pre as Error).name).toBe('AbortError');
    const during = new AbortController();
    const engine = analyticEngine(model);
    const result = await (async () => {
      for await (const _frame of saliency(engine, x, {
        ...options,
        batchSize: 1,
        signal: during.signal,
      })) {
        during.abort();
      }
      return 'finished';
    })().catch((e: unknown) => e);
    // Single-call methods may finish before the first progress report; longer ones must stop.
    if (result !== 'finished') expect(isFvError(result, 'ABORTED')).toBe(true);
    else expect(engine.calls.forward + engine.calls.gradient).toBeLessThanOrEqual(3);
  });
});

describe('memory-bounded batching', () => {
  it('never sends more than batchSize samples at once; 1 for fixed-batch models', async () => {
    const engine = analyticEngine(model);
    await saliency(engine, x, { method: 'smoothgrad', target: 0, samples: 10, batchSize: 4 });
    expect(engine.calls.maxBatch).toBe(4);
    expect(engine.calls.gradient).toBe(3);
    const fixed = analyticEngine(model, { fixedBatch: true });
    await saliency(fixed, x, { method: 'integrated-gradients', target: 0, steps: 6 });
    expect(fixed.calls.maxBatch).toBe(1);
  });
});

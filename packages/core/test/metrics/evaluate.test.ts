// The metrics on analytic models whose answers are known in closed form, and the behaviour every
// long computation in fv shares: batching that does not change results, progress, abort, and
// typed errors for bad input.
import { describe, expect, it } from 'vitest';
import {
  type CompareOptions,
  cascadePoints,
  compareMethods,
  createRng,
  type Engine,
  evaluate,
  isFvError,
  type MethodEvaluation,
  type MetricOptions,
  type RandomizedModels,
  saliency,
  type Tensor,
} from '../../src/index.js';
import { salientOrder } from '../../src/metrics/deletion.js';
import { drawRiseMask, riseGeometry } from '../../src/saliency/rise.js';
import { analyticEngine, fixedArray, linearModel } from '../saliency/analytic-engines.js';

const [c, h, w, classes] = [3, 6, 7, 4];
const model = linearModel(c, h, w, classes);
const size = c * h * w;
const x: Tensor = { data: fixedArray(size, 3, 0, 1), dims: [1, c, h, w] };
const target = 2;
const row = model.weights.subarray(target * size, (target + 1) * size);
const logit = (data: Float32Array) => model.forward(data).logits![target]!;
const mapOf = (values: ArrayLike<number>) => ({
  data: Float32Array.from(values),
  width: w,
  height: h,
});

const code = (p: PromiseLike<unknown>) =>
  Promise.resolve(p).then(
    () => 'resolved',
    (e: unknown) => (isFvError(e) ? e.code : String(e)),
  );

describe('deletion and insertion on a linear model', () => {
  // Per-pixel contribution Σ_c w_c x_c: deleting pixels to black (0) removes exactly it.
  const contribution = Array.from({ length: h * w }, (_, p) => {
    let s = 0;
    for (let ch = 0; ch < c; ch++) s += row[ch * h * w + p]! * x.data[ch * h * w + p]!;
    return s;
  });

  it('deletion removes each pixel’s contribution, in map order; AUC is the trapezoid rule', async () => {
    const map = mapOf(contribution);
    const r = await evaluate(analyticEngine(model), x, {
      metric: 'deletion',
      target,
      map,
      order: 'signed',
      score: 'logit',
      pixelsPerStep: 5,
    });
    const order = contribution.map((v, p) => [v, p] as const).sort((a, b) => b[0] - a[0]);
    const steps = Math.ceil((h * w) / 5);
    expect(r.scores.length).toBe(steps + 1);
    let expected = logit(x.data);
    for (let k = 0; k <= steps; k++) {
      if (k > 0) for (const [v] of order.slice((k - 1) * 5, k * 5)) expected -= v;
      expect(r.scores[k]).toBeCloseTo(expected, 4);
    }
    const s = Array.from(r.scores);
    const trapezoid = (s.reduce((a, b) => a + b) - s[0]! / 2 - s[steps]! / 2) / steps;
    expect(r.auc).toBeCloseTo(trapezoid, 12);
    // The map ordered by contribution makes the score fall faster than its reverse.
    const reverse = await evaluate(analyticEngine(model), x, {
      metric: 'deletion',
      target,
      map: mapOf(contribution.map((v) => -v)),
      order: 'signed',
      score: 'logit',
      pixelsPerStep: 5,
    });
    expect(r.auc).toBeLessThan(reverse.auc);
  });

  it('insertion from black ends at the input’s probability; deletion starts there', async () => {
    const map = mapOf(contribution);
    const ins = await evaluate(analyticEngine(model), x, {
      metric: 'insertion',
      target,
      map,
      baseline: 'black',
    });
    const del = await evaluate(analyticEngine(model), x, { metric: 'deletion', target, map });
    expect(ins.score).toBe('probability');
    expect(ins.scores[ins.scores.length - 1]).toBeCloseTo(del.scores[0]!, 12);
    // pixelsPerStep defaults to the width: H steps.
    expect(ins.scores.length).toBe(h + 1);
  });

  it('the mean baseline fills each channel with its mean', async () => {
    const r = await evaluate(analyticEngine(model), x, {
      metric: 'deletion',
      target,
      map: mapOf(contribution),
      baseline: 'mean',
      score: 'logit',
      pixelsPerStep: h * w,
    });
    const filled = new Float32Array(size);
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      for (let p = 0; p < h * w; p++) s += x.data[ch * h * w + p]!;
      filled.fill(s / (h * w), ch * h * w, (ch + 1) * h * w);
    }
    expect(r.scores[1]).toBeCloseTo(logit(filled), 5);
  });
});

describe('infidelity and max-sensitivity on a linear model', () => {
  const gradient: Tensor = { data: new Float32Array(row), dims: x.dims };

  it('the gradient of a linear model has (almost) zero infidelity; a random map does not', async () => {
    const good = await evaluate(analyticEngine(model), x, {
      metric: 'infidelity',
      target,
      attribution: gradient,
      std: 0.1,
    });
    const random = await evaluate(analyticEngine(model), x, {
      metric: 'infidelity',
      target,
      attribution: { data: fixedArray(size, 9), dims: x.dims },
      std: 0.1,
    });
    expect(good.samples).toBe(10);
    expect(good.value).toBeLessThan(1e-8);
    expect(random.value).toBeGreaterThan(1e-3);
  });

  it('normalize makes infidelity independent of the attribution’s scale', async () => {
    const scaled: Tensor = { data: row.map((v) => 5 * v), dims: x.dims };
    const plain = await evaluate(analyticEngine(model), x, {
      metric: 'infidelity',
      target,
      attribution: scaled,
      std: 0.1,
    });
    const normalized = await evaluate(analyticEngine(model), x, {
      metric: 'infidelity',
      target,
      attribution: scaled,
      std: 0.1,
      normalize: true,
    });
    expect(plain.value).toBeGreaterThan(1e-2);
    expect(normalized.value).toBeLessThan(1e-8);
    expect(normalized.beta).toBeCloseTo(0.2, 4);
  });

  it('the gradient of a linear model does not change under perturbation: sensitivity 0', async () => {
    const r = await evaluate(analyticEngine(model), x, {
      metric: 'sensitivity',
      target,
      saliency: { method: 'vanilla', target: 'top' },
      samples: 4,
    });
    expect(r.sensitivities.length).toBe(4);
    expect(r.value).toBe(0);
    // gradient × input does: its change is the perturbation times the gradient.
    const gx = await evaluate(analyticEngine(model), x, {
      metric: 'sensitivity',
      target,
      saliency: { method: 'gradient-x-input', target: 'top' },
      samples: 4,
      radius: 0.05,
    });
    expect(gx.value).toBeGreaterThan(0);
    expect(gx.value).toBeLessThan(0.2);
  });
});

describe('cascading randomization', () => {
  function models(seeds: readonly number[], disposed: number[]): RandomizedModels {
    return {
      layers: seeds.map((s) => `layer${s}`),
      async randomize(count) {
        const e = analyticEngine(linearModel(c, h, w, classes, seeds[count - 1]!));
        return { ...e, dispose: async () => void disposed.push(count) };
      },
    };
  }

  it('compares the maps of each randomized model with the original, and disposes them', async () => {
    const disposed: number[] = [];
    const r = await evaluate(analyticEngine(model), x, {
      metric: 'randomization',
      target,
      saliency: { method: 'vanilla', target: 'top' },
      // Step 1 gives back the very same weights (seed 1); later steps other random weights.
      models: models([1, 50, 60], disposed),
    });
    expect(disposed).toEqual([1, 2, 3]);
    expect(r.steps.map((s) => s.count)).toEqual([1, 2, 3]);
    expect(r.steps.map((s) => s.layer)).toEqual(['layer1', 'layer50', 'layer60']);
    expect(r.steps[0]!.spearmanAbsolute).toBe(1);
    expect(r.steps[0]!.spearmanSigned).toBe(1);
    expect(r.steps[0]!.ssim).toBeCloseTo(1, 10);
    for (const s of r.steps.slice(1)) {
      expect(Math.abs(s.spearmanAbsolute)).toBeLessThan(0.5);
      expect(Math.abs(s.spearmanSigned)).toBeLessThan(0.5);
      expect(s.ssim).toBeLessThan(0.5);
      expect(s.map.width).toBe(w);
    }
    expect(r.original.data.length).toBe(h * w);
  });

  it('cascade points spread evenly from the top layer alone to all of them', async () => {
    expect(cascadePoints(8, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(cascadePoints(8, 20)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(cascadePoints(52, 6)).toEqual([1, 11, 21, 32, 42, 52]);
    expect(cascadePoints(8, 1)).toEqual([8]);
    const disposed: number[] = [];
    const r = await evaluate(analyticEngine(model), x, {
      metric: 'randomization',
      saliency: { method: 'vanilla', target: 0 },
      models: models([1, 2, 3, 4, 5], disposed),
      points: 3,
    });
    expect(r.steps.map((s) => s.count)).toEqual([1, 3, 5]);
  });

  it('evaluates only the requested cascade points, in order', async () => {
    const disposed: number[] = [];
    const r = await evaluate(analyticEngine(model), x, {
      metric: 'randomization',
      target,
      saliency: { method: 'vanilla', target: 'top' },
      models: models([1, 2, 3, 4], disposed),
      steps: [2, 4],
    });
    expect(r.steps.map((s) => s.count)).toEqual([2, 4]);
    expect(disposed).toEqual([2, 4]);
    for (const steps of [[2, 2], [0], [5], []]) {
      expect(
        await code(
          evaluate(analyticEngine(model), x, {
            metric: 'randomization',
            saliency: { method: 'vanilla', target: 0 },
            models: models([1, 2, 3, 4], []),
            steps,
          }),
        ),
      ).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('RISE masks the input per pixel, in either layout', () => {
  it.each(['NCHW', 'NHWC'] as const)('%s', async (layout) => {
    const inputs: Float32Array[] = [];
    const inner = analyticEngine(model, { layout });
    const recording: Engine = {
      ...inner,
      forward(input, options) {
        const n = input.dims[0]!;
        for (let i = 0; i < n; i++) inputs.push(input.data.slice(i * size, (i + 1) * size));
        return inner.forward(input, options);
      },
    };
    const input: Tensor = { data: x.data, dims: layout === 'NCHW' ? [1, c, h, w] : [1, h, w, c] };
    const r = await saliency(recording, input, {
      method: 'rise',
      target,
      masks: 5,
      cells: 3,
      seed: 4,
      batchSize: 2,
    });
    const rng = createRng(4);
    const geometry = riseGeometry(3, w, h);
    const masks = Array.from({ length: 5 }, () => drawRiseMask(geometry, 0.5, rng));
    expect(inputs.length).toBe(6); // the context's forward pass, then 5 masked inputs
    masks.forEach((m, i) => {
      for (let p = 0; p < h * w; p++) {
        for (let ch = 0; ch < c; ch++) {
          const j = layout === 'NCHW' ? ch * h * w + p : p * c + ch;
          expect(inputs[i + 1]![j]).toBe(Math.fround(x.data[j]! * m[p]!));
        }
      }
    });
    expect(r.attribution.dims).toEqual(layout === 'NCHW' ? [1, 1, h, w] : [1, h, w, 1]);
  });

  it('keep = 1 keeps every pixel: the map is the score everywhere', async () => {
    const r = await saliency(analyticEngine(model), x, {
      method: 'rise',
      target,
      masks: 3,
      keep: 1,
    });
    for (const v of r.attribution.data) expect(v).toBeCloseTo(r.score, 6);
  });
});

describe('shared behaviour of the metrics', () => {
  const map = mapOf(fixedArray(h * w, 11));
  const attribution: Tensor = { data: fixedArray(size, 12), dims: x.dims };
  const cases: readonly MetricOptions[] = [
    { metric: 'deletion', map, pixelsPerStep: 3 },
    { metric: 'insertion', map, pixelsPerStep: 4, baseline: 'blurred', blurSigma: 1 },
    { metric: 'infidelity', attribution, samples: 7 },
    { metric: 'infidelity', attribution: { data: map.data, dims: [1, 1, h, w] }, samples: 3 },
    {
      metric: 'sensitivity',
      saliency: { method: 'smoothgrad', target: 0, samples: 3 },
      samples: 3,
    },
  ];

  it.each(cases.map((o) => [o.metric, o] as const))(
    '%s: batch size does not change the result',
    async (_m, options) => {
      const a = await evaluate(analyticEngine(model), x, { ...options, batchSize: 1 });
      const b = await evaluate(analyticEngine(model), x, { ...options, batchSize: 5 });
      const fixed = await evaluate(analyticEngine(model, { fixedBatch: true }), x, options);
      expect(b).toEqual(a);
      expect(fixed).toEqual(a);
      expect(a.target).toBe(
        model.forward(x.data).logits!.indexOf(Math.max(...model.forward(x.data).logits!)),
      );
    },
  );

  it.each(cases.map((o) => [o.metric, o] as const))(
    '%s: progress up to done = total, abort',
    async (_m, options) => {
      const seen: [number, number][] = [];
      for await (const frame of evaluate(analyticEngine(model), x, { ...options, batchSize: 2 })) {
        seen.push([frame.step, frame.totalSteps]);
      }
      expect(seen.length).toBeGreaterThan(1);
      const [done, total] = seen[seen.length - 1]!;
      expect(done).toBe(total);
      seen.forEach(([d, t], i) => {
        expect(t).toBe(total);
        if (i > 0) expect(d).toBeGreaterThan(seen[i - 1]![0]);
      });
      const controller = new AbortController();
      const run = evaluate(analyticEngine(model), x, {
        ...options,
        batchSize: 1,
        signal: controller.signal,
      });
      const aborted = (async () => {
        for await (const _frame of run) controller.abort();
      })();
      expect(await code(aborted)).toBe('ABORTED');
    },
  );

  it.each<[string, MetricOptions, string]>([
    [
      'a map of another size',
      { metric: 'deletion', map: { ...map, width: h, height: w } },
      'SHAPE_MISMATCH',
    ],
    ['pixelsPerStep 0', { metric: 'deletion', map, pixelsPerStep: 0 }, 'INVALID_ARGUMENT'],
    [
      'an unknown order',
      { metric: 'deletion', map, order: 'reverse' as never },
      'INVALID_ARGUMENT',
    ],
    [
      'an unknown baseline',
      { metric: 'deletion', map, baseline: 'white' as never },
      'INVALID_ARGUMENT',
    ],
    [
      'a baseline tensor of another shape',
      { metric: 'insertion', map, baseline: { data: new Float32Array(3), dims: [1, 3, 1, 1] } },
      'SHAPE_MISMATCH',
    ],
    [
      'a non-finite map',
      { metric: 'deletion', map: mapOf(map.data.map((v, i) => (i === 3 ? Number.NaN : v))) },
      'INVALID_ARGUMENT',
    ],
    [
      'an attribution of another shape',
      { metric: 'infidelity', attribution: { data: new Float32Array(5), dims: [1, 5] } },
      'SHAPE_MISMATCH',
    ],
    ['std 0', { metric: 'infidelity', attribution, std: 0 }, 'INVALID_ARGUMENT'],
    ['samples 0', { metric: 'infidelity', attribution, samples: 0 }, 'INVALID_ARGUMENT'],
    [
      'no perturbations',
      { metric: 'infidelity', attribution, perturbations: [] },
      'INVALID_ARGUMENT',
    ],
    [
      'radius −1',
      { metric: 'sensitivity', saliency: { method: 'vanilla', target: 0 }, radius: -1 },
      'INVALID_ARGUMENT',
    ],
    [
      'norm l1',
      { metric: 'sensitivity', saliency: { method: 'vanilla', target: 0 }, norm: 'l1' as never },
      'INVALID_ARGUMENT',
    ],
    ['target 9', { metric: 'deletion', map, target: 9 }, 'OUT_OF_RANGE'],
    ['an unknown metric', { metric: 'accuracy' } as never, 'INVALID_ARGUMENT'],
  ])('%s is %s', async (_name, options, expected) => {
    expect(await code(evaluate(analyticEngine(model), x, options))).toBe(expected);
  });
});

describe('compareMethods', () => {
  const models: RandomizedModels = {
    layers: ['top', 'all'],
    randomize: async (count) => analyticEngine(linearModel(c, h, w, classes, 40 + count)),
  };

  it('scores every method with every metric, for one class, as the metrics alone do', async () => {
    const seen: [number, number, string, string][] = [];
    const run = compareMethods(analyticEngine(model), x, {
      methods: [
        { method: 'vanilla', target: 'top' },
        { method: 'random', target: 'top', seed: 3 },
      ],
      metrics: ['deletion', 'infidelity', 'sensitivity', 'randomization'],
      deletion: { pixelsPerStep: 6 },
      sensitivity: { samples: 3 },
      randomization: { models },
    });
    for await (const f of run) seen.push([f.step, f.totalSteps, f.method, f.stage]);
    const r = await run.result;
    const logits = model.forward(x.data).logits!;
    expect(r.target).toBe(logits.indexOf(Math.max(...logits)));
    expect(r.methods.map((m) => m.method)).toEqual(['vanilla', 'random']);
    expect(seen.at(0)).toEqual([1, 10, 'vanilla', 'explanation']);
    expect(seen.at(-1)).toEqual([10, 10, 'random', 'randomization']);
    const [vanilla, random] = r.methods as [MethodEvaluation, MethodEvaluation];
    const direct = await evaluate(analyticEngine(model), x, {
      metric: 'deletion',
      target: r.target,
      map: vanilla.explanation.map,
      pixelsPerStep: 6,
    });
    expect(vanilla.deletion!.auc).toBe(direct.auc);
    // The linear model's gradient is exact and constant; the random map is neither faithful…
    expect(vanilla.infidelity!.value).toBeLessThan(random.infidelity!.value);
    expect(vanilla.sensitivity!.value).toBe(0);
    // … nor does it depend on the input or the model (computed, not assumed).
    expect(random.sensitivity!.value).toBe(0);
    expect(random.randomization!.steps.map((s) => s.spearmanAbsolute)).toEqual([1, 1]);
    expect(vanilla.randomization!.steps.every((s) => Math.abs(s.spearmanAbsolute) < 0.5)).toBe(
      true,
    );
  });

  it.each<[string, Partial<CompareOptions>]>([
    ['no methods', { methods: [] }],
    ['no metrics', { metrics: [] }],
    ['an unknown metric', { metrics: ['accuracy' as never] }],
    ['randomization on an engine that cannot randomize', { metrics: ['randomization'] }],
    ['an unknown order', { order: 'reverse' as never }],
  ])('%s is INVALID_ARGUMENT', async (_name, change) => {
    const options: CompareOptions = {
      methods: [{ method: 'vanilla', target: 'top' }],
      metrics: ['deletion'],
      ...change,
    };
    expect(await code(compareMethods(analyticEngine(model), x, options))).toBe('INVALID_ARGUMENT');
  });
});

describe('pixel order', () => {
  it('ranks by |value|, max(value, 0) or the value, ties in row-major order', () => {
    const m = { data: Float32Array.from([0.5, -2, 0, 2, -0.5, 1]), width: 3, height: 2 };
    expect(Array.from(salientOrder(m))).toEqual([1, 3, 5, 0, 4, 2]);
    expect(Array.from(salientOrder(m, 'positive'))).toEqual([3, 5, 0, 1, 2, 4]);
    expect(Array.from(salientOrder(m, 'signed'))).toEqual([3, 5, 0, 2, 4, 1]);
  });
});

import {
  classVisualization,
  isFvError,
  type ModelConfig,
  type Tensor,
  type UnitVisualizationFrame,
  unitVisualization,
} from '@fv/core';
import { describe, expect, it } from 'vitest';
import { diversityGradient } from '../../src/dream/unit-visualization.js';
import {
  analyticEngine,
  expectAllClose,
  linearModel,
  randomImage,
} from './helpers/analytic-engine.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('classVisualization', () => {
  it('one step from zeros is lr · (∇S − 2λx) / ‖·‖, with the class as the seed', async () => {
    const w = (c: number, y: number, x: number) => Math.cos(c + y - 2 * x);
    const engine = analyticEngine(linearModel(w), [1, 3, 4, 5]);
    const frames = await collect(
      classVisualization(engine, undefined, {
        method: 'simonyan',
        classIndex: 7,
        output: 'logits',
        range: [-9, 9],
        start: 'zeros',
        steps: 1,
        jitter: 0,
        learningRate: 2,
        blurEvery: 0,
      }),
    );
    expect(engine.calls[0]?.objective).toEqual({ kind: 'logit', output: 'logits' });
    expect(engine.calls[0]?.options?.seed).toBe(7);
    const g = Float32Array.from({ length: 60 }, (_, i) =>
      w(Math.floor(i / 20), Math.floor((i % 20) / 5), i % 5),
    );
    const n = Math.hypot(...g);
    expectAllClose(frames[0]?.image.data, (i) => (2 * (g[i] as number)) / n, 5);
    expect(frames[0]?.image.dims).toEqual([1, 3, 4, 5]);
  });

  it('the L2 term pulls towards zero: a second step includes −2λx', async () => {
    const engine = analyticEngine(
      linearModel(() => 0),
      [1, 1, 2, 2],
    );
    const start = { data: Float32Array.from([1, -1, 0.5, 0]), dims: [1, 1, 2, 2] };
    const out = await classVisualization(engine, start, {
      method: 'simonyan',
      classIndex: 0,
      output: 'logits',
      range: [-9, 9],
      steps: 1,
      jitter: 0,
      l2: 0.1,
      learningRate: 0.1,
    });
    // gradient −0.2·x, normalized to length 0.1 along −x
    const n = Math.hypot(1, 1, 0.5);
    expectAllClose(out.data, (i) => (start.data[i] as number) * (1 - 0.1 / n), 6);
  });

  it('is deterministic per seed, clips, and aborts', async () => {
    const model = linearModel((c, y, x) => Math.sin(c * 3 + y * 5 + x));
    const opts = {
      method: 'simonyan' as const,
      classIndex: 1,
      output: 'logits',
      range: [-0.2, 0.2] as const,
      steps: 12,
      seed: 4,
    };
    const a = await classVisualization(analyticEngine(model, [1, 3, 8, 8]), undefined, opts);
    const b = await classVisualization(analyticEngine(model, [1, 3, 8, 8]), undefined, opts);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Math.max(...a.data)).toBeLessThanOrEqual(0.2 + 1e-7);
    const controller = new AbortController();
    controller.abort();
    const e = await classVisualization(analyticEngine(model, [1, 3, 8, 8]), undefined, {
      ...opts,
      signal: controller.signal,
    }).then(undefined, (x: unknown) => x);
    expect(isFvError(e, 'ABORTED')).toBe(true);
  });
});

describe('unitVisualization', () => {
  const channel = { kind: 'channel', tensor: 'a', channel: 0 } as const;
  // RGB in [0, 1] to model input: (rgb − mean) / std per channel.
  const normalization = (mean: number[], std: number[]): ModelConfig => ({
    scale: 1 / 255,
    mean,
    std,
  });

  it('chain rule: one pixel-parameterized step is Adam on −∂obj/∂params through sigmoid and normalization', async () => {
    // obj = Σ v·x on the model input x = (rgb − 0.5)/0.25, rgb = sigmoid(params)
    const v = (c: number, y: number, x: number) => (c + 1) * (y - x);
    const engine = analyticEngine(linearModel(v));
    const frames = await collect(
      unitVisualization(
        engine,
        undefined,
        {
          objective: channel,
          size: [3, 4],
          steps: 1,
          transforms: false,
          parameterization: { kind: 'pixel', decorrelate: false, sd: 0 },
        },
        normalization([0.5], [0.25]),
      ),
    );
    // params start at 0 ⇒ rgb 0.5, sigmoid' = 0.25; ∂obj/∂p = v/0.25·0.25 = v; Adam's first step is
    // −lr·sign(−v) = +0.05·sign(v) per parameter (ε negligible).
    const f = frames[0] as UnitVisualizationFrame;
    const sig = (p: number) => 1 / (1 + Math.exp(-p));
    expectAllClose(
      f.rgb.data,
      (i) => {
        const g = v(Math.floor(i / 12), Math.floor((i % 12) / 4), i % 4);
        return sig(0.05 * Math.sign(g));
      },
      6,
    );
    expectAllClose(f.image.data, (i) => ((f.rgb.data[i] as number) - 0.5) / 0.25, 6);
    expect(f.values[0]).toBeCloseTo(0, 6);
  });

  it('raises a linear objective with the Fourier parameterization and decorrelated colour', async () => {
    const engine = analyticEngine(linearModel((c, y, x) => (c === 0 ? Math.cos((x + y) / 3) : 0)));
    const frames = await collect(
      unitVisualization(
        engine,
        undefined,
        {
          objective: channel,
          size: [16, 16],
          steps: 30,
          seed: 2,
          transforms: false,
        },
        normalization([0.5], [0.5]),
      ),
    );
    const values = frames.map((f) => f.value);
    expect(values.at(-1) as number).toBeGreaterThan((values[0] as number) + 20);
  });

  it('raises a translation-invariant objective under random transforms', async () => {
    const engine = analyticEngine(linearModel((c) => (c === 0 ? 1 : -1)));
    const frames = await collect(
      unitVisualization(
        engine,
        undefined,
        {
          objective: channel,
          size: [16, 16],
          steps: 30,
          seed: 2,
        },
        normalization([0.5], [0.5]),
      ),
    );
    const values = frames.map((f) => f.value);
    expect(values.at(-1) as number).toBeGreaterThan((values[0] as number) + 30);
    // the engine saw transformed inputs of varying size
    expect(new Set(engine.calls.map((c) => c.input.dims[2])).size).toBeGreaterThan(1);
    // red rises above green and blue
    const rgb = frames.at(-1)?.rgb.data as Float32Array;
    const mean = (c: number) => rgb.slice(c * 256, (c + 1) * 256).reduce((a, v) => a + v, 0) / 256;
    expect(mean(0)).toBeGreaterThan(mean(1));
    expect(mean(0)).toBeGreaterThan(mean(2));
  });

  it('feeds a fixed-size model inputs of its size; batches units; penalties lower the value', async () => {
    const engine = analyticEngine(
      linearModel(() => 1),
      [1, 3, 10, 10],
    );
    const objectives = [channel, { kind: 'channel', tensor: 'a', channel: 1 }] as const;
    const frames = await collect(
      unitVisualization(
        engine,
        undefined,
        {
          objective: objectives,
          size: [8, 8],
          steps: 2,
          totalVariation: 0.1,
          l1: 0.01,
          l2: 0.01,
        },
        normalization([0.5, 0.5, 0.5], [1]),
      ),
    );
    expect(engine.calls.every((c) => c.input.dims.join() === '1,3,10,10')).toBe(true);
    expect(engine.calls.map((c) => c.objective)).toEqual([...objectives, ...objectives]);
    expect(frames[1]?.rgb.dims).toEqual([2, 3, 8, 8]);
    expect(frames[1]?.values).toHaveLength(2);
  });

  it('is deterministic per seed and aborts', async () => {
    const model = linearModel((c, y, x) => Math.sin(c + y * x));
    const opts = {
      objective: channel,
      size: [8, 8] as const,
      steps: 3,
      seed: 5,
    };
    const config = normalization([0.5], [0.5]);
    const a = await unitVisualization(analyticEngine(model), undefined, opts, config);
    const b = await unitVisualization(analyticEngine(model), undefined, opts, config);
    const c = await unitVisualization(
      analyticEngine(model),
      undefined,
      { ...opts, seed: 6 },
      config,
    );
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    const controller = new AbortController();
    const engine = analyticEngine(model);
    const e = await (async () => {
      for await (const f of unitVisualization(
        engine,
        undefined,
        { ...opts, steps: 10, signal: controller.signal },
        config,
      ))
        if (f.step === 1) controller.abort();
    })().catch((x: unknown) => x);
    expect(isFvError(e, 'ABORTED')).toBe(true);
    expect(engine.calls).toHaveLength(1);
  });

  it('redirects ReLU gradients on the first steps and after a step where the unit did not fire', async () => {
    // The unit does not fire on calls 1 and 5; the engine records the relu mode of every call.
    const values = [0, 1, 1, 1, 0, 1, 1];
    let call = 0;
    const engine = analyticEngine({
      value: () => values[call++] as number,
      gradient: (x) => new Float32Array(x.data.length).fill(0.1),
    });
    const result = await unitVisualization(
      engine,
      undefined,
      { objective: channel, size: [8, 8], steps: 7, redirectRelu: { steps: 2 } },
      normalization([0.5], [0.5]),
    );
    expect(engine.calls.map((c) => c.options?.relu)).toEqual([
      'redirected', // warm-up
      'redirected',
      'standard',
      'standard',
      'standard', // the unit does not fire on this step…
      'redirected', // …so the next one is redirected (whileDead)
      'standard',
    ]);
    expect(result.outcomes).toEqual([{ value: 1, deadSteps: 2, redirectedSteps: 1, dead: false }]);
  });

  it('redirectRelu: false gives the true gradient throughout; other relu modes are kept', async () => {
    const dead = { value: () => 0, gradient: (x: Tensor) => new Float32Array(x.data.length) };
    const off = analyticEngine(dead);
    const r = await unitVisualization(
      off,
      undefined,
      { objective: channel, size: [8, 8], steps: 4, redirectRelu: false },
      normalization([0.5], [0.5]),
    );
    expect(off.calls.map((c) => c.options?.relu)).toEqual(Array(4).fill('standard'));
    expect(r.outcomes).toEqual([{ value: 0, deadSteps: 4, redirectedSteps: 0, dead: true }]);
    const guided = analyticEngine(dead);
    await unitVisualization(
      guided,
      undefined,
      { objective: channel, size: [8, 8], steps: 2, relu: 'guided' },
      normalization([0.5], [0.5]),
    );
    expect(guided.calls.map((c) => c.options?.relu)).toEqual(['guided', 'guided']);
    await expect(
      unitVisualization(
        guided,
        undefined,
        { objective: channel, size: [8, 8], steps: 2, relu: 'guided', redirectRelu: { steps: 2 } },
        normalization([0.5], [0.5]),
      ).result,
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a class objective is the logit, seeded by its index; classVisualization (lucid) returns it in model space', async () => {
    const engine = analyticEngine(linearModel((c, y, x) => Math.cos(c + y - x)));
    const config = normalization([0.5, 0.5, 0.5], [0.25]);
    const opts = { size: [8, 8], steps: 3, seed: 1 } as const;
    const unit = await unitVisualization(
      engine,
      undefined,
      { ...opts, objective: { kind: 'class', classIndex: 7, output: 'logits' } },
      config,
    );
    expect(engine.calls[0]?.objective).toEqual({ kind: 'logit', output: 'logits' });
    expect(engine.calls[0]?.options?.seed).toBe(7);
    const cls = await classVisualization(
      analyticEngine(linearModel((c, y, x) => Math.cos(c + y - x))),
      undefined,
      { ...opts, classIndex: 7, output: 'logits' },
      config,
    );
    expect(cls.dims).toEqual([1, 3, 8, 8]);
    expectAllClose(cls.data, (i) => ((unit.data[i] as number) - 0.5) / 0.25, 5);
  });

  it('rejects unknown options and options of the other class method', async () => {
    const engine = analyticEngine(linearModel(() => 1));
    await expect(
      unitVisualization(
        engine,
        undefined,
        { objective: channel, inputNormalization: { mean: 0.5 } } as never,
        normalization([0.5], [0.5]),
      ).result,
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /inputNormalization/ });
    await expect(
      classVisualization(engine, undefined, { classIndex: 1, learningRate: 25 } as never).result,
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /learningRate.*'lucid'/ });
    await expect(
      classVisualization(engine, undefined, { classIndex: 1, method: 'cs231n' } as never).result,
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /method/ });
  });

  it('diversity: gradient matches finite differences', () => {
    const feats: Tensor[] = [0, 1, 2].map((k) => randomImage([1, 3, 2, 2], k + 1));
    const { value, gradients } = diversityGradient(feats);
    expect(Number.isFinite(value)).toBe(true);
    const dir = randomImage([1, 3, 2, 2], 9).data;
    const at = (eps: number) =>
      diversityGradient(
        feats.map((f, i) =>
          i === 1 ? { data: f.data.map((v, k) => v + eps * (dir[k] as number)), dims: f.dims } : f,
        ),
      ).value;
    const fd = (at(1e-3) - at(-1e-3)) / 2e-3;
    let an = 0;
    for (let k = 0; k < dir.length; k++)
      an += (gradients[1]?.data[k] as number) * (dir[k] as number);
    expect(an).toBeCloseTo(fd, 3);
  });
});

describe('visualization options', () => {
  it('a size other than the fixed model size is rejected', async () => {
    const engine = analyticEngine(
      linearModel(() => 1),
      [1, 3, 8, 8],
    );
    await expect(
      classVisualization(engine, undefined, {
        method: 'simonyan',
        classIndex: 0,
        output: 'logits',
        range: [-1, 1],
        size: [9, 9],
      }).result,
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

import { type DreamFrame, deepDream, dreamZoom, isFvError, type Tensor } from '@fv/core';
import { describe, expect, it } from 'vitest';
import { guideSeed, octaveSizes } from '../../src/dream/deep-dream.js';
import { tiledGradient } from '../../src/dream/tiles.js';
import { resizeImageTensor as resizeBilinear } from '../../src/image/resize.js';
import {
  analyticEngine,
  expectAllClose,
  halfSquareNorm,
  linearModel,
  pointwiseModel,
  randomImage,
} from './helpers/analytic-engine.js';

const layer = { kind: 'layer', tensor: 'a' } as const;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function meanAbs(a: Float32Array): number {
  return a.reduce((s, v) => s + Math.abs(v), 0) / a.length;
}

describe('deepDream on analytic engines', () => {
  it('one step with jitter 0 is x + stepSize / mean|g| · g, clipped (g = x for ½‖x‖²)', async () => {
    const x0 = randomImage([1, 3, 6, 5], 1, -0.9, 0.9);
    const engine = analyticEngine(halfSquareNorm);
    const frames = await collect(
      deepDream(engine, x0, {
        objective: layer,
        range: [-1, 1],
        octaves: 1,
        steps: 1,
        jitter: 0,
        stepSize: 0.3,
      }),
    );
    expect(frames).toHaveLength(1);
    const m = meanAbs(x0.data);
    const f = frames[0] as DreamFrame;
    expect(f.value).toBeCloseTo(
      x0.data.reduce((s, v) => s + 0.5 * v * v, 0),
      5,
    );
    expectAllClose(f.image.data, (i) => {
      const x = x0.data[i] as number;
      return Math.min(1, Math.max(-1, x + (0.3 / m) * x));
    });
    expect(engine.calls[0]?.options?.wrt).toEqual(['input']);
  });

  it("'std' normalization divides by the gradient's standard deviation (TF2 tutorial)", async () => {
    const x0 = randomImage([1, 1, 4, 4], 2, -0.5, 0.5);
    const engine = analyticEngine(halfSquareNorm, [1, 1, 'h', 'w']);
    const out = await deepDream(engine, x0, {
      objective: layer,
      range: [-10, 10],
      octaves: 1,
      steps: 1,
      jitter: 0,
      stepSize: 0.01,
      normalization: 'std',
    });
    const g = x0.data;
    const mean = g.reduce((s, v) => s + v, 0) / g.length;
    const std = Math.sqrt(g.reduce((s, v) => s + (v - mean) ** 2, 0) / g.length);
    expectAllClose(out.data, (i) => (g[i] as number) * (1 + 0.01 / std), 5);
  });

  it('the default step size is 1.5 on the 0..255 scale of the range', async () => {
    const x0 = { data: new Float32Array(16).fill(0.25), dims: [1, 1, 4, 4] };
    const out = await deepDream(analyticEngine(halfSquareNorm, [1, 1, 'h', 'w']), x0, {
      objective: layer,
      range: [-1, 1],
      octaves: 1,
      steps: 1,
      jitter: 0,
    });
    for (const v of out.data) expect(v).toBeCloseTo(0.25 + (1.5 / 255) * 2, 6);
  });

  it('octave sizes shrink by octaveScale with rounding, smallest first', async () => {
    expect(octaveSizes(224, 224, 4, 1.4)).toEqual([
      [224, 224],
      [160, 160],
      [114, 114],
      [81, 81],
    ]);
    const x0 = randomImage([1, 3, 20, 30], 3);
    const frames = await collect(
      deepDream(analyticEngine(halfSquareNorm), x0, {
        objective: layer,
        range: [-5, 5],
        octaves: 3,
        steps: 2,
        jitter: 0,
      }),
    );
    expect(frames.map((f) => [f.octave, f.step, f.image.dims[2], f.image.dims[3]])).toEqual([
      [0, 1, 10, 15],
      [0, 2, 10, 15],
      [1, 3, 14, 21],
      [1, 4, 14, 21],
      [2, 5, 20, 30],
      [2, 6, 20, 30],
    ]);
    expect(frames.every((f) => f.totalSteps === 6 && f.octaves === 3)).toBe(true);
  });

  it('detail added at a small octave is upscaled and carried into the next', async () => {
    // Σ w·x with w(c, y, x) = 1 + 0.1·x: constant sign, so every step adds stepSize·w/mean(w).
    const engine = analyticEngine(
      linearModel((_c, _y, x) => 1 + 0.1 * x),
      [1, 1, 'h', 'w'],
    );
    const x0 = randomImage([1, 1, 8, 12], 4, -1, 1);
    const frames = await collect(
      deepDream(engine, x0, {
        objective: layer,
        range: [-9, 9],
        octaves: 2,
        steps: 1,
        jitter: 0,
        stepSize: 0.2,
        octaveScale: 2,
      }),
    );
    const small = resizeBilinear(x0, 4, 6);
    const wSmall = Float32Array.from({ length: 24 }, (_, i) => 1 + 0.1 * (i % 6));
    const mSmall = meanAbs(wSmall);
    const detail = { data: wSmall.map((w) => (0.2 / mSmall) * w), dims: [1, 1, 4, 6] };
    expectAllClose(
      frames[0]?.image.data,
      (i) => (small.data[i] as number) + (detail.data[i] as number),
      5,
    );
    const up = resizeBilinear(detail, 8, 12);
    const wBig = Float32Array.from({ length: 96 }, (_, i) => 1 + 0.1 * (i % 12));
    const mBig = meanAbs(wBig);
    expectAllClose(
      frames[1]?.image.data,
      (i) => (x0.data[i] as number) + (up.data[i] as number) + (0.2 / mBig) * (wBig[i] as number),
      5,
    );
  });

  it('tiled gradients equal the whole-image gradient on a pointwise model', async () => {
    const x = randomImage([1, 2, 13, 17], 5);
    const fn = async (t: Tensor) => ({
      value: pointwiseModel.value(t, layer),
      gradient: { data: pointwiseModel.gradient(t, layer), dims: [...t.dims] },
    });
    const whole = await tiledGradient(x, undefined, fn);
    for (const layout of [
      { tileHeight: 5, tileWidth: 7, offsetY: 0, offsetX: 0 },
      { tileHeight: 4, tileWidth: 6, offsetY: 3, offsetX: -11 },
      { tileHeight: 20, tileWidth: 30, offsetY: 1, offsetX: 2 },
    ]) {
      const tiled = await tiledGradient(x, layout, fn);
      expectAllClose(tiled.gradient.data, (i) => whole.gradient.data[i] as number, 5);
    }
  });

  it('a fixed-size model dreams a larger image through tiles of its size', async () => {
    const engine = analyticEngine(pointwiseModel, [1, 3, 8, 8]);
    const x0 = randomImage([1, 3, 21, 13], 6, -0.8, 0.8);
    const out = await deepDream(engine, x0, {
      objective: layer,
      range: [-2, 2],
      octaves: 1,
      steps: 1,
      jitter: 5,
      stepSize: 0.1,
      seed: 3,
    });
    expect(engine.calls.every((c) => c.input.dims[2] === 8 && c.input.dims[3] === 8)).toBe(true);
    expect(engine.calls).toHaveLength(3 * 2);
    const g = pointwiseModel.gradient(x0, layer);
    const m = meanAbs(g);
    expectAllClose(
      out.data,
      (i) => Math.min(2, Math.max(-2, (x0.data[i] as number) + (0.1 / m) * (g[i] as number))),
      4,
    );
  });

  it('free-size models get tiles above maxPixels, the whole image below', async () => {
    const engine = analyticEngine(pointwiseModel);
    const x0 = randomImage([1, 3, 10, 10], 7);
    await deepDream(engine, x0, {
      objective: layer,
      range: [-2, 2],
      octaves: 1,
      steps: 1,
      maxPixels: 50,
      tileSize: 4,
    });
    expect(engine.calls).toHaveLength(9);
    const whole = analyticEngine(pointwiseModel);
    await deepDream(whole, x0, { objective: layer, range: [-2, 2], octaves: 1, steps: 1 });
    expect(whole.calls).toHaveLength(1);
  });

  it('jitter rolls the input and rolls the gradient back', async () => {
    const engine = analyticEngine(
      linearModel((_c, y, x) => 1 + y * 10 + x),
      [1, 1, 'h', 'w'],
    );
    const x0 = randomImage([1, 1, 5, 5], 8);
    const out = await deepDream(engine, x0, {
      objective: layer,
      range: [-99, 99],
      octaves: 1,
      steps: 1,
      jitter: 2,
      seed: 11,
      stepSize: 1,
    });
    const seen = engine.calls[0]?.input as Tensor;
    // find the roll that was applied
    let found = false;
    for (let dy = -2; dy <= 2; dy++)
      for (let dx = -2; dx <= 2; dx++) {
        const ok = [...seen.data].every((v, i) => {
          const y = Math.floor(i / 5);
          const x = i % 5;
          return v === x0.data[((((y - dy) % 5) + 5) % 5) * 5 + ((((x - dx) % 5) + 5) % 5)];
        });
        if (!ok) continue;
        found = true;
        // gradient at rolled position (y, x) is 1 + 10y + x; rolled back to (y - dy, x - dx)
        const g = new Float32Array(25);
        for (let y = 0; y < 5; y++)
          for (let x = 0; x < 5; x++)
            g[((((y - dy) % 5) + 5) % 5) * 5 + ((((x - dx) % 5) + 5) % 5)] = 1 + 10 * y + x;
        const m = meanAbs(g);
        expectAllClose(out.data, (i) => (x0.data[i] as number) + (g[i] as number) / m, 4);
      }
    expect(found).toBe(true);
  });

  it('the same seed gives the same frames, another seed other frames', async () => {
    const model = linearModel((c, y, x) => Math.sin(c + 3 * y + 7 * x));
    const run = (seed: number) =>
      deepDream(analyticEngine(model), randomImage([1, 3, 12, 12], 9), {
        objective: layer,
        range: [-1, 1],
        octaves: 2,
        steps: 3,
        jitter: 4,
        seed,
      });
    const [a, b, c] = await Promise.all([run(1), run(1), run(2)]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  it('aborting stops within one step with an AbortError', async () => {
    const controller = new AbortController();
    const engine = analyticEngine(halfSquareNorm);
    const seen: number[] = [];
    const run = async () => {
      for await (const f of deepDream(engine, randomImage([1, 3, 8, 8], 1), {
        objective: layer,
        range: [-1, 1],
        octaves: 2,
        steps: 5,
        signal: controller.signal,
      })) {
        seen.push(f.step);
        if (f.step === 2) controller.abort();
      }
    };
    const error = await run().catch((e: unknown) => e);
    expect(isFvError(error, 'ABORTED')).toBe(true);
    expect((error as Error).name).toBe('AbortError');
    expect(engine.calls).toHaveLength(2);
    expect(seen).toEqual([1, 2]);
    await expect(
      deepDream(engine, randomImage([1, 3, 8, 8], 1), {
        objective: layer,
        range: [-1, 1],
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('rejects bad options with INVALID_ARGUMENT', async () => {
    const x = randomImage([1, 3, 4, 4], 1);
    for (const bad of [
      { octaves: 0 },
      { octaveScale: 0.5 },
      { steps: 1.5 },
      { stepSize: -1 },
      { jitter: -2 },
      { normalization: 'l2' },
    ]) {
      await expect(
        deepDream(analyticEngine(halfSquareNorm), x, {
          objective: layer,
          range: [-1, 1],
          ...(bad as object),
        }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    await expect(
      deepDream(analyticEngine(halfSquareNorm), randomImage([2, 3, 4, 4], 1), {
        objective: layer,
        range: [-1, 1],
      }),
    ).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
    const fixed = analyticEngine(halfSquareNorm, [1, 3, 8, 8]);
    for (const tiling of ['none', { tileSize: 4 }] as const) {
      await expect(
        deepDream(fixed, randomImage([1, 3, 12, 12], 1), {
          objective: layer,
          range: [-1, 1],
          tiling,
        }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });
});

describe('guided dreaming and zoom feedback', () => {
  it('the guide seed picks the best-matching guide feature per position', () => {
    // x: 2 channels × 2 positions; y: 2 channels × 3 positions
    const x = { data: Float32Array.from([1, 0, 0, 1]), dims: [1, 2, 1, 2] };
    const y = { data: Float32Array.from([2, 0, 1, 0, 3, 1]), dims: [1, 2, 1, 3] };
    // guide columns: (2,0), (0,3), (1,1); x columns: (1,0) → best (2,0); (0,1) → best (0,3)
    const { seed, value } = guideSeed(x, y);
    expect(Array.from(seed.data)).toEqual([2, 0, 0, 3]);
    expect(value).toBe(5);
  });

  it('guided dreaming feeds the seed as a logit objective on the layer', async () => {
    const engine = analyticEngine(
      {
        ...halfSquareNorm,
        forward: (x) => ({ data: Float32Array.from(x.data.slice(0, 4)), dims: [1, 1, 2, 2] }),
      },
      [1, 1, 'h', 'w'],
    );
    const guide = randomImage([1, 1, 2, 2], 3);
    await deepDream(engine, randomImage([1, 1, 2, 2], 4), {
      objective: { kind: 'guide', tensor: 'feat', image: guide },
      range: [-1, 1],
      octaves: 1,
      steps: 1,
      jitter: 0,
    });
    expect(engine.calls[0]?.objective).toEqual({ kind: 'logit', output: 'feat' });
    expect((engine.calls[0]?.options?.seed as Tensor | undefined)?.dims).toEqual([1, 1, 2, 2]);
  });

  it('dreamZoom yields one frame per zoom step', async () => {
    const engine = analyticEngine(halfSquareNorm);
    const frames = await collect(
      dreamZoom(engine, randomImage([1, 3, 10, 10], 5), {
        objective: layer,
        range: [-1, 1],
        octaves: 1,
        steps: 2,
        frames: 3,
      }),
    );
    expect(frames.map((f) => `${f.step}/${f.totalSteps}`)).toEqual(['1/3', '2/3', '3/3']);
    expect(frames.map((f) => f.frame)).toEqual([0, 1, 2]);
    expect(engine.calls).toHaveLength(6);
    expect(frames.every((f) => f.image.dims.join() === '1,3,10,10')).toBe(true);
  });
});

describe('objective tensors', () => {
  it('an unknown layer name is rejected with UNKNOWN_TENSOR when the engine lists its layers', async () => {
    const base = analyticEngine(halfSquareNorm);
    const engine = {
      ...base,
      info: {
        ...base.info,
        layers: [
          { name: 'block1/relu', opType: 'Relu', dims: null, differentiable: true },
          { name: 'block2/relu', opType: 'Relu', dims: null, differentiable: true },
        ],
      },
    };
    const image = randomImage([1, 3, 4, 4], 1);
    await expect(
      deepDream(engine, image, {
        objective: { kind: 'layer', tensor: 'block3/relu' },
        range: [-1, 1],
        steps: 1,
        octaves: 1,
      }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_TENSOR' });
    await expect(
      deepDream(engine, image, {
        objective: {
          kind: 'sum',
          terms: [{ weight: 1, objective: { kind: 'layer', tensor: 'block2/relu' } }],
        },
        range: [-1, 1],
        steps: 1,
        octaves: 1,
      }),
    ).resolves.toBeDefined();
  });
});

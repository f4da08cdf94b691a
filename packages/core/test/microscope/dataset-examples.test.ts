// Dataset examples on a model whose activations are known by construction: layer `feat` is the
// input itself and `signed` is the input minus 1, so every unit's mean, extremes and their
// positions follow directly from the pixels.
import { describe, expect, it } from 'vitest';
import {
  type DatasetImage,
  type DatasetIndex,
  datasetExamples,
  type Engine,
  type ForwardOptions,
  isFvError,
  isSignedLayer,
  mergeDatasetIndexes,
  type ReceptiveField,
  type Tensor,
} from '../../src/index.js';
import { createRng } from '../../src/random.js';

const H = 4;
const W = 4;
const config = { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] } as const;

interface TestEngine extends Engine {
  readonly batches: number[];
}

function identityEngine(fixedBatch = false): TestEngine {
  const batches: number[] = [];
  const dims = [fixedBatch ? 1 : null, 3, H, W];
  return {
    batches,
    info: {
      inputs: [{ name: 'input', type: 'float32', dims }],
      outputs: [{ name: 'logits', type: 'float32', dims: [dims[0]!, 2] }],
      layers: [
        { name: 'feat', opType: 'Identity', dims, differentiable: true },
        { name: 'signed', opType: 'Sub', dims, differentiable: true },
      ],
      backend: 'analytic',
    },
    async forward(input: Tensor, options: ForwardOptions = {}) {
      batches.push(input.dims[0]!);
      const out: Record<string, Tensor> = {};
      for (const name of options.outputs ?? []) {
        out[name] = {
          data: name === 'signed' ? input.data.map((v) => v - 1) : input.data.slice(),
          dims: [...input.dims],
        };
      }
      return out;
    },
    async gradient() {
      throw new Error('not used');
    },
    async dispose() {},
  };
}

const field = (layer: string): ReceptiveField => ({
  layer,
  input: 'input',
  inputHeight: H,
  inputWidth: W,
  y: { jump: 1, start: 0, size: 1 },
  x: { jump: 1, start: 0, size: 1 },
  global: false,
});
const receptiveFields = { feat: field('feat'), signed: field('signed') };

/** RGB images with random pixels; every third one repeats an earlier image's pixels (ties). */
function makeImages(n: number, seed = 1): DatasetImage[] {
  const rng = createRng(seed);
  const pixels: Uint8ClampedArray[] = [];
  for (let i = 0; i < n; i++) {
    const data =
      i % 3 === 2
        ? pixels[i - 1]!.slice()
        : Uint8ClampedArray.from({ length: H * W * 3 }, () => Math.floor(rng.next() * 256));
    pixels.push(data);
  }
  // ids out of order, so that ties are decided by id, not by arrival
  return pixels.map((data, i) => ({
    id: `img-${String((i * 5) % n).padStart(2, '0')}`,
    image: { data, width: W, height: H, channels: 3 },
  }));
}

/** Expected lists straight from the pixels. */
function expected(images: readonly DatasetImage[], channel: number, shift: number, k: number) {
  const rows = images.map((im) => {
    const d = (im.image as { data: ArrayLike<number> }).data;
    const values = Array.from({ length: H * W }, (_, p) => d[p * 3 + channel]! - shift);
    const max = Math.max(...values);
    const min = Math.min(...values);
    return {
      image: im.id,
      mean: values.reduce((a, b) => a + b, 0) / values.length,
      max,
      argmax: values.indexOf(max),
      min,
      argmin: values.indexOf(min),
    };
  });
  const byId = (a: { image: string }, b: { image: string }) => (a.image < b.image ? -1 : 1);
  const sorted = <T extends { image: string }>(key: (r: T) => number, dir: 1 | -1, list: T[]) =>
    [...list].sort((a, b) => dir * (key(b) - key(a)) || byId(a, b)).slice(0, k);
  return {
    top: sorted((r) => r.mean, 1, rows).map((r) => ({ image: r.image, value: r.mean })),
    bottom: sorted((r) => r.mean, -1, rows).map((r) => ({ image: r.image, value: r.mean })),
    topPositions: sorted((r) => r.max, 1, rows).map((r) => ({
      image: r.image,
      value: r.max,
      y: Math.floor(r.argmax / W),
      x: r.argmax % W,
      region: { x: r.argmax % W, y: Math.floor(r.argmax / W), width: 1, height: 1 },
    })),
    bottomPositions: sorted((r) => r.min, -1, rows).map((r) => ({
      image: r.image,
      value: r.min,
      y: Math.floor(r.argmin / W),
      x: r.argmin % W,
      region: { x: r.argmin % W, y: Math.floor(r.argmin / W), width: 1, height: 1 },
    })),
  };
}

describe('datasetExamples', () => {
  const images = makeImages(14);

  it('keeps the top and bottom images and positions of every unit, ties to the smaller id', async () => {
    const engine = identityEngine();
    const index = await datasetExamples(
      engine,
      images,
      { layers: ['feat', 'signed'], receptiveFields, topK: 4, batchSize: 3 },
      config,
    );
    expect(index.images.map((i) => i.id)).toEqual(images.map((i) => i.id));
    expect(index.layers.map((l) => [l.layer, l.channels, l.height, l.width])).toEqual([
      ['feat', 3, H, W],
      ['signed', 3, H, W],
    ]);
    for (const [li, shift] of [
      [0, 0],
      [1, 1],
    ] as const) {
      for (let c = 0; c < 3; c++) {
        const unit = index.layers[li]!.units[c]!;
        const want = expected(images, c, shift, 4);
        expect(unit.top).toEqual(want.top);
        expect(unit.bottom).toEqual(want.bottom);
        expect(unit.topPositions).toEqual(want.topPositions);
        expect(unit.bottomPositions).toEqual(want.bottomPositions);
        expect(unit.count).toBe(images.length * H * W);
        expect(unit.histogram.counts.reduce((a, b) => a + b, 0)).toBe(unit.count);
      }
    }
    // ties exist in this data set and went to the smaller id
    const ties = index.layers[0]!.units.flatMap((u) =>
      u.top.filter((e, i) => i > 0 && e.value === u.top[i - 1]!.value),
    );
    expect(ties.length).toBeGreaterThan(0);
    expect(isSignedLayer(index.layers[0]!)).toBe(false);
    expect(isSignedLayer(index.layers[1]!)).toBe(true);
    // batches as asked, and the index is plain JSON
    expect(engine.batches).toEqual([3, 3, 3, 3, 2]);
    expect(JSON.parse(JSON.stringify(index))).toEqual(index);
  });

  it('merges shards into the index of the whole set', async () => {
    const run = (subset: readonly DatasetImage[]) =>
      datasetExamples(
        identityEngine(),
        subset,
        { layers: ['feat', 'signed'], receptiveFields, topK: 3, histogramBins: 16, model: 'm' },
        config,
      );
    const whole = await run(images);
    const shards = await Promise.all([
      run(images.slice(9)),
      run(images.slice(0, 4)),
      run(images.slice(4, 9)),
    ]);
    const merged = mergeDatasetIndexes(
      shards.map((s) => JSON.parse(JSON.stringify(s)) as DatasetIndex),
    );
    const withoutSums = (index: DatasetIndex) => ({
      ...index,
      images: [...index.images].sort((a, b) => (a.id < b.id ? -1 : 1)),
      layers: index.layers.map((l) => ({
        ...l,
        units: l.units.map(({ sum: _s, sumOfSquares: _q, ...u }) => u),
      })),
    });
    expect(withoutSums(merged)).toEqual(withoutSums(whole));
    merged.layers.forEach((l, li) => {
      l.units.forEach((u, c) => {
        expect(u.sum).toBeCloseTo(whole.layers[li]!.units[c]!.sum, 6);
        expect(u.sumOfSquares).toBeCloseTo(whole.layers[li]!.units[c]!.sumOfSquares, 4);
      });
    });
    // merging is refused across models, settings and overlapping images
    expect(() => mergeDatasetIndexes([whole, shards[0]!])).toThrow(/indexed twice/);
    expect(() => mergeDatasetIndexes([shards[0]!, { ...shards[1]!, model: 'other' }])).toThrow(
      /differ in model/,
    );
    expect(() => mergeDatasetIndexes([shards[0]!, { ...shards[1]!, topK: 5 }])).toThrow(
      /differ in topK/,
    );
  });

  it('reads a stream lazily, one batch at a time, yields a frame per batch and can be aborted', async () => {
    let pulled = 0;
    const engine = identityEngine();
    const pulledAtForward: number[] = [];
    const forward = engine.forward.bind(engine);
    const watched: Engine = {
      ...engine,
      forward: (input, options) => {
        pulledAtForward.push(pulled);
        return forward(input, options);
      },
    };
    async function* stream() {
      for (const image of images) {
        pulled++;
        yield image;
      }
    }
    const progress: [number, number][] = [];
    const run = datasetExamples(
      watched,
      stream(),
      { layers: ['feat'], receptiveFields, batchSize: 4, total: images.length },
      config,
    );
    for await (const frame of run) progress.push([frame.step, frame.totalSteps]);
    expect((await run).images).toHaveLength(images.length);
    expect(pulledAtForward).toEqual([4, 8, 12, 14]);
    expect(progress).toEqual([
      [4, 14],
      [8, 14],
      [12, 14],
      [14, 14],
    ]);

    const controller = new AbortController();
    const aborting = identityEngine();
    const aborted = datasetExamples(
      aborting,
      images,
      { layers: ['feat'], receptiveFields, batchSize: 2, signal: controller.signal },
      config,
    );
    const iterate = async () => {
      for await (const frame of aborted) if (frame.step === 4) controller.abort();
    };
    await expect(iterate()).rejects.toMatchObject({ name: 'AbortError', code: 'ABORTED' });
    expect(aborting.batches).toEqual([2, 2]);
  });

  it('runs one image per call on a model with a fixed batch of 1', async () => {
    const engine = identityEngine(true);
    await datasetExamples(
      engine,
      images.slice(0, 3),
      { layers: ['feat'], receptiveFields },
      config,
    );
    expect(engine.batches).toEqual([1, 1, 1]);
  });

  it('maps crops into the image it was given (centre crop, larger image)', async () => {
    // 8×6 image, centre-cropped to 6×6 and resized to the 4×4 input: input pixel x covers image
    // columns [1 + 1.5x, 1 + 1.5(x + 1)).
    const big = {
      id: 'big',
      image: { data: new Uint8ClampedArray(8 * 6 * 4).fill(100), width: 8, height: 6 },
    };
    const index = await datasetExamples(
      identityEngine(),
      [big],
      { layers: ['feat'], receptiveFields, preprocess: { fit: 'center-crop' } },
      config,
    );
    const e = index.layers[0]!.units[0]!.topPositions[0]!;
    const x0 = Math.floor(1 + 1.5 * e.x);
    const y0 = Math.floor(1.5 * e.y);
    expect(e.region).toEqual({
      x: x0,
      y: y0,
      width: Math.ceil(1 + 1.5 * (e.x + 1)) - x0,
      height: Math.ceil(1.5 * (e.y + 1)) - y0,
    });
    expect(index.images).toEqual([{ id: 'big', width: 8, height: 6 }]);
    expect(index.preprocess).toEqual({ fit: 'center-crop' });
  });

  it('names what is wrong', async () => {
    const engine = identityEngine();
    const fails = async (p: PromiseLike<unknown>) => {
      try {
        await p;
      } catch (error) {
        return error;
      }
      throw new Error('expected a rejection');
    };
    const unknown = await fails(
      datasetExamples(engine, images, { layers: ['nope'], receptiveFields }, config),
    );
    expect(isFvError(unknown, 'UNKNOWN_TENSOR')).toBe(true);
    const noField = await fails(
      datasetExamples(engine, images, { layers: ['feat'], receptiveFields: {} }, config),
    );
    expect(isFvError(noField, 'INVALID_ARGUMENT')).toBe(true);
    expect((noField as Error).message).toContain('feat');
    const twice = await fails(
      datasetExamples(
        engine,
        [images[0]!, images[0]!],
        { layers: ['feat'], receptiveFields },
        config,
      ),
    );
    expect((twice as Error).message).toMatch(/indexed twice/);
    const bad = await fails(
      datasetExamples(
        engine,
        [{ id: 'broken.png', image: { data: new Uint8ClampedArray(3), width: 4, height: 4 } }],
        { layers: ['feat'], receptiveFields },
        config,
      ),
    );
    expect(isFvError(bad, 'INVALID_IMAGE')).toBe(true);
    expect((bad as Error).message).toContain('broken.png');
  });
});

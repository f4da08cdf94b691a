// Typed errors for bad input.
import { describe, expect, it } from 'vitest';
import {
  activations,
  type FvErrorCode,
  isFvError,
  type SaliencyOptions,
  saliency,
  type Tensor,
} from '../../src/index.js';
import { analyticEngine, camModel, fixedArray, linearModel } from './analytic-engines.js';

const engine = analyticEngine(camModel(3, 4, 4, 2, 3));
const x: Tensor = { data: fixedArray(48, 2), dims: [1, 3, 4, 4] };

async function code(promise: PromiseLike<unknown>): Promise<FvErrorCode | string> {
  try {
    await promise;
    return 'resolved';
  } catch (e) {
    return isFvError(e) ? e.code : String(e);
  }
}

describe('saliency errors', () => {
  it.each([3, -1, 1.5, Number.NaN])('target %s is OUT_OF_RANGE', async (target) => {
    expect(await code(saliency(engine, x, { method: 'vanilla', target }))).toBe('OUT_OF_RANGE');
  });

  it('names the class count in the message', async () => {
    await expect(saliency(engine, x, { method: 'vanilla', target: 7 })).rejects.toThrow(
      /Target class 7 is outside 0\.\.2 of output 'logits'/,
    );
  });

  it('unknown layers are UNKNOWN_TENSOR', async () => {
    for (const method of ['grad-cam', 'grad-cam++', 'guided-grad-cam', 'score-cam'] as const) {
      expect(await code(saliency(engine, x, { method, target: 0, layer: 'nope' }))).toBe(
        'UNKNOWN_TENSOR',
      );
    }
    expect(await code(activations(engine, x, { layer: 'nope' }))).toBe('UNKNOWN_TENSOR');
    // A model without any spatial layer cannot pick one automatically.
    const linear = analyticEngine(linearModel(3, 4, 4, 2));
    expect(await code(saliency(linear, x, { method: 'grad-cam', target: 0 }))).toBe(
      'UNKNOWN_TENSOR',
    );
  });

  it('images of the wrong channel count are INVALID_IMAGE', async () => {
    const gray: Tensor = { data: new Float32Array(16), dims: [1, 1, 4, 4] };
    expect(await code(saliency(engine, gray, { method: 'vanilla', target: 0 }))).toBe(
      'INVALID_IMAGE',
    );
    const rgbaWrong = { data: new Uint8ClampedArray(4 * 4 * 3), width: 4, height: 4 };
    expect(await code(saliency(engine, rgbaWrong, { method: 'vanilla', target: 0 }))).toBe(
      'INVALID_IMAGE',
    );
  });

  it.each<[string, SaliencyOptions]>([
    ['samples 0', { method: 'smoothgrad', target: 0, samples: 0 }],
    ['samples −3', { method: 'smoothgrad', target: 0, samples: -3 }],
    ['samples 2.5', { method: 'smoothgrad', target: 0, samples: 2.5 }],
    ['sigma < 0', { method: 'smoothgrad', target: 0, sigma: -0.1 }],
    ['steps 0', { method: 'integrated-gradients', target: 0, steps: 0 }],
    ['window 0', { method: 'occlusion', target: 0, window: 0 }],
    ['stride 0', { method: 'occlusion', target: 0, stride: 0 }],
    ['maxChannels 0', { method: 'score-cam', target: 0, maxChannels: 0 }],
    ['masks 0', { method: 'rise', target: 0, masks: 0 }],
    ['cells 1.5', { method: 'rise', target: 0, cells: 1.5 }],
    ['keep 0', { method: 'rise', target: 0, keep: 0 }],
    ['keep 1.2', { method: 'rise', target: 0, keep: 1.2 }],
    ['batchSize 0', { method: 'vanilla', target: 0, batchSize: 0 }],
  ])('%s is INVALID_ARGUMENT', async (_name, options) => {
    expect(await code(saliency(engine, x, options))).toBe('INVALID_ARGUMENT');
  });

  it('a baseline of the wrong shape is SHAPE_MISMATCH', async () => {
    const baseline: Tensor = { data: new Float32Array(12), dims: [1, 3, 2, 2] };
    expect(
      await code(saliency(engine, x, { method: 'integrated-gradients', target: 0, baseline })),
    ).toBe('SHAPE_MISMATCH');
  });
});

describe('activations', () => {
  it('returns the layer and its most active channels, highest mean first', async () => {
    const model = camModel(3, 8, 8, 6, 2);
    const e = analyticEngine(model);
    const input: Tensor = { data: fixedArray(192, 4, 0, 1), dims: [1, 3, 8, 8] };
    const r = await activations(e, input, { layer: 'features', topK: 3 });
    expect(r.activation.dims).toEqual([1, 6, 4, 4]);
    expect(r.top).toHaveLength(3);
    const features = model.forward(input.data).features!;
    const means = Array.from({ length: 6 }, (_, ch) => {
      let s = 0;
      for (let p = 0; p < 16; p++) s += features[ch * 16 + p]!;
      return s / 16;
    });
    const order = means.map((m, ch) => [m, ch] as const).sort((a, b) => b[0] - a[0]);
    expect(r.top.map((t) => t.channel)).toEqual(order.slice(0, 3).map(([, ch]) => ch));
    expect(r.top[0]!.map.width).toBe(4);
    expect(r.top[0]!.mean).toBeCloseTo(order[0]![0], 6);
  });
});

// The semantic dictionary on a network whose channels are detectors built by hand
// (tools/microscope_fixtures.py): 0 red, 1 green, 2 blue, 3 a thin vertical white line; class k
// of the head is 10 × the mean of channel k. An image with one shape of each kind must put the
// matching channel first on that shape, by activation and by attribution to its class.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFvError, semanticDictionary } from '../../src/index.js';
import { createOrtEngine, type OrtTestEngine } from '../helpers/ort-engine.js';

const S = 32;
const model = new URL('../../../../test/fixtures/microscope/detectors.onnx', import.meta.url);
const config = { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] };

interface Shape {
  readonly channel: number;
  readonly rows: readonly [number, number];
  readonly cols: readonly [number, number];
  readonly rgb: readonly [number, number, number];
}
const shapes: Shape[] = [
  { channel: 0, rows: [2, 13], cols: [2, 13], rgb: [255, 0, 0] },
  { channel: 1, rows: [2, 11], cols: [18, 27], rgb: [0, 255, 0] },
  { channel: 2, rows: [18, 27], cols: [2, 11], rgb: [0, 0, 255] },
  { channel: 3, rows: [16, 29], cols: [23, 23], rgb: [255, 255, 255] },
];

function drawImage() {
  const data = new Uint8ClampedArray(S * S * 3);
  for (const s of shapes) {
    for (let y = s.rows[0]; y <= s.rows[1]; y++) {
      for (let x = s.cols[0]; x <= s.cols[1]; x++) data.set(s.rgb, (y * S + x) * 3);
    }
  }
  return { data, width: S, height: S, channels: 3 as const };
}

/** Positions of a shape away from its border (the line: away from its ends). */
function inside(s: Shape): [number, number][] {
  const out: [number, number][] = [];
  const margin = s.cols[0] === s.cols[1] ? 0 : 1;
  for (let y = s.rows[0] + 1; y < s.rows[1]; y++) {
    for (let x = s.cols[0] + margin; x <= s.cols[1] - margin; x++) out.push([y, x]);
  }
  return out;
}

describe('semanticDictionary', () => {
  let engine: OrtTestEngine;
  const image = drawImage();
  beforeAll(async () => {
    engine = await createOrtEngine(new Uint8Array(readFileSync(model)), [1, 3, S, S]);
  });
  afterAll(() => engine.dispose());

  it('puts the detector of each shape first on that shape', async () => {
    const dict = await semanticDictionary(engine, image, { layer: 'detectors', topK: 2 }, config);
    expect([dict.channels, dict.height, dict.width]).toEqual([4, S, S]);
    expect(dict.channelAttribution).toBeUndefined();
    for (const s of shapes) {
      for (const [y, x] of inside(s)) {
        const p = dict.positions[y * S + x]!;
        expect([p.y, p.x]).toEqual([y, x]);
        expect(p.activations[0]!.channel, `(${y}, ${x})`).toBe(s.channel);
        expect(p.activations[0]!.value).toBeGreaterThan(0);
        expect(p.attributions).toBeUndefined();
      }
    }
    // far from every shape nothing fires
    const empty = dict.positions[30 * S + 16]!;
    expect(empty.magnitude).toBe(0);
  });

  it('attributes each class to its detector, position by position and over the image', async () => {
    const logits = (
      await engine.forward({ data: preprocess(image), dims: [1, 3, S, S] }, { outputs: ['logits'] })
    ).logits!.data;
    for (const target of ['top', 1, 2, 3] as const) {
      const dict = await semanticDictionary(engine, image, { layer: 'detectors', target }, config);
      const expectedTarget = target === 'top' ? 0 : target;
      expect(dict.target).toBe(expectedTarget);
      expect(dict.channelAttribution![0]!.channel).toBe(expectedTarget);
      // the head is linear with no bias: the attributions sum to the logit exactly
      const total = dict.channelAttribution!.reduce((a, c) => a + c.value, 0);
      expect(total).toBeCloseTo(logits[expectedTarget]!, 3);
      const shape = shapes[expectedTarget]!;
      for (const [y, x] of inside(shape)) {
        const p = dict.positions[y * S + x]!;
        expect(p.attributions![0]!.channel, `(${y}, ${x})`).toBe(expectedTarget);
        expect(p.attributions![0]!.value).toBeGreaterThan(0);
      }
    }
  });

  it('names an unknown layer and a target out of range', async () => {
    await expect(semanticDictionary(engine, image, { layer: 'nope' }, config)).rejects.toSatisfy(
      (e) => isFvError(e, 'UNKNOWN_TENSOR'),
    );
    await expect(
      semanticDictionary(engine, image, { layer: 'detectors', target: 9 }, config),
    ).rejects.toSatisfy((e) => isFvError(e, 'OUT_OF_RANGE'));
  });
});

function preprocess(image: { data: Uint8ClampedArray }): Float32Array {
  const out = new Float32Array(3 * S * S);
  for (let p = 0; p < S * S; p++)
    for (let c = 0; c < 3; c++) out[c * S * S + p] = image.data[p * 3 + c]! / 255;
  return out;
}

// The dream loops on the real MobileNetV2 (shared models folder): Deep Dream raises its layer
// objective, a unit visualization raises its unit far above its value on the starting noise, and
// a class visualization ends with its class on top. (The pictures docs/dream.md shows come from
// scripts/dream-pictures.sh, through the CLI.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  classVisualization,
  deepDream,
  type Engine,
  imageToTensor,
  presets,
  resolveModelConfig,
  type Tensor,
  unitVisualization,
} from '@fv/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithModels } from '../../../../test/helpers/models.js';
import { createOrtEngine } from '../helpers/ort-engine.js';
import { decodePngRgba } from '../helpers/png.js';

// MobileNet input: (px − 128) / 128.
const config = { ...presets.tensorflow, logits: 'logits' };

describeWithModels('dream schedulers on MobileNetV2', (dir) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createOrtEngine(
      new Uint8Array(readFileSync(join(dir, 'imagenet/mobilenet_v2_1.0_224.onnx'))),
    );
  }, 120_000);
  afterAll(async () => engine?.dispose());

  const logitsOf = async (x: Tensor) => {
    const out = await engine.forward(x, { outputs: ['logits'] });
    return out.logits as Tensor;
  };
  const argmax = (a: Float32Array) =>
    a.reduce((best, v, i) => (v > (a[best] as number) ? i : best), 0);

  it('Deep Dream raises the layer objective on at least 90 % of steps', async () => {
    const photo = decodePngRgba(readFileSync(join(dir, 'images/chelsea.png')));
    const { tensor: image } = imageToTensor(photo, resolveModelConfig(engine.info, config));
    const values: number[] = [];
    let last: Tensor = image;
    for await (const frame of deepDream(
      engine,
      image,
      {
        objective: { kind: 'layer', tensor: 'MobilenetV2/expanded_conv_5/depthwise/Relu6' },
        octaves: 1,
        steps: 12,
        jitter: 0,
        seed: 1,
      },
      config,
    )) {
      values.push(frame.value);
      last = frame.image;
    }
    let up = 0;
    for (let i = 1; i < values.length; i++)
      if ((values[i] as number) > (values[i - 1] as number)) up++;
    expect(up / (values.length - 1)).toBeGreaterThanOrEqual(0.9);
    expect(values.at(-1) as number).toBeGreaterThan(1.5 * (values[0] as number));
    expect(last.dims).toEqual([1, 3, 224, 224]);
  }, 300_000);

  it('a unit visualization raises the unit far above its value on the starting noise', async () => {
    const objective = {
      kind: 'channel',
      tensor: 'MobilenetV2/expanded_conv_10/expand/Relu6',
      channel: 17,
    } as const;
    const values: number[] = [];
    let rgb: Tensor | undefined;
    for await (const frame of unitVisualization(
      engine,
      undefined,
      { objective, steps: 64, seed: 3 },
      config,
    )) {
      values.push(frame.value);
      rgb = frame.rgb;
    }
    // The unit on the untransformed final image versus on the starting (near-grey noise) image.
    const start = values[0] as number;
    const final = values.at(-1) as number;
    expect(final).toBeGreaterThan(10 * Math.max(start, 1e-3));
    expect(rgb?.dims).toEqual([1, 3, 128, 128]);
  }, 300_000);

  it('a class visualization ends with the target class in the top-1', async () => {
    const classIndex = 2; // goldfish (index 0 is "background")
    const image = await classVisualization(
      engine,
      undefined,
      { classIndex, steps: 60, seed: 5 },
      config,
    );
    const logits = await logitsOf(image);
    expect(argmax(logits.data)).toBe(classIndex);
  }, 300_000);
});

// The dream schedulers on the real MobileNetV2 (shared models folder): Deep Dream raises its layer
// objective, a unit visualization raises its unit far above its value on the starting noise, and
// a class visualization ends with its class on top. With FV_DREAM_PICTURES=<folder> the test also
// writes the pictures docs/dream.md shows.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  deepDream,
  type Engine,
  runClassVisualization,
  runDeepDream,
  runUnitVisualization,
  type Tensor,
  unitVisualization,
} from '@fv/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithModels } from '../../../../test/helpers/models.js';
import { resizeBilinear } from '../../src/dream/image.js';
import { createOrtEngine } from './helpers/ort-engine.js';
import { readPng, writePng } from './helpers/png.js';

const picturesDir = process.env.FV_DREAM_PICTURES;

/** RGBA image → [1, 3, H, W] in MobileNet input space, (px − 128) / 128. */
function toInput(rgba: {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}): Tensor {
  const { width: w, height: h } = rgba;
  const data = new Float32Array(3 * h * w);
  for (let p = 0; p < h * w; p++)
    for (let c = 0; c < 3; c++)
      data[c * h * w + p] = ((rgba.data[4 * p + c] as number) - 128) / 128;
  return { data, dims: [1, 3, h, w] };
}

/** [B, 3, H, W] (model space with `scale`/`offset`, or [0, 1] RGB) → PNG file of item `b`. */
function savePng(file: string, t: Tensor, toByte: (v: number) => number, b = 0): void {
  if (!picturesDir) return;
  const [, , h = 0, w = 0] = t.dims;
  const data = new Uint8ClampedArray(4 * h * w);
  for (let p = 0; p < h * w; p++) {
    for (let c = 0; c < 3; c++) data[4 * p + c] = toByte(t.data[(b * 3 + c) * h * w + p] as number);
    data[4 * p + 3] = 255;
  }
  mkdirSync(picturesDir, { recursive: true });
  writeFileSync(join(picturesDir, file), writePng({ data, width: w, height: h }));
}
const fromModel = (v: number) => Math.round(v * 128 + 128);
const fromRgb = (v: number) => Math.round(v * 255);

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
    const photo = readPng(new Uint8Array(readFileSync(join(dir, 'images/chelsea.png'))));
    const image = resizeBilinear(toInput(photo), 224, 224);
    const values: number[] = [];
    let last: Tensor = image;
    for await (const frame of deepDream(engine, image, {
      objective: { kind: 'layer', tensor: 'MobilenetV2/expanded_conv_5/depthwise/Relu6' },
      range: [-1, 1],
      octaves: 1,
      steps: 12,
      jitter: 0,
      seed: 1,
    })) {
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
    for await (const frame of unitVisualization(engine, {
      objective,
      inputNormalization: { mean: 0.5, std: 0.5 },
      steps: 64,
      seed: 3,
    })) {
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
    const image = await runClassVisualization(engine, {
      classIndex,
      output: 'logits',
      range: [-1, 1],
      steps: 60,
      seed: 5,
    });
    const logits = await logitsOf(image);
    expect(argmax(logits.data)).toBe(classIndex);
  }, 300_000);

  // Pictures for docs/dream.md (FV_DREAM_PICTURES=docs/images/dream): default settings.
  // Defined only when asked for, so the normal suite neither runs nor skips it.
  if (picturesDir) {
    it('writes the documentation pictures', async () => {
      const photo = readPng(new Uint8Array(readFileSync(join(dir, 'images/chelsea.png'))));
      const dream = await runDeepDream(engine, toInput(photo), {
        objective: { kind: 'layer', tensor: 'MobilenetV2/expanded_conv_6/expand/Relu6' },
        range: [-1, 1],
        seed: 1,
      });
      savePng('deep-dream-chelsea.png', dream, fromModel);
      const tensorName = 'MobilenetV2/expanded_conv_10/expand/Relu6';
      const channels = [3, 17, 42, 101];
      const grid = await runUnitVisualization(engine, {
        objective: channels.map(
          (channel) => ({ kind: 'channel', tensor: tensorName, channel }) as const,
        ),
        inputNormalization: { mean: 0.5, std: 0.5 },
        steps: 128,
        seed: 2,
      });
      savePng('units-expanded_conv_10-expand.png', tileRow(grid), fromRgb);
      const goldfish = await runClassVisualization(engine, {
        classIndex: 2,
        output: 'logits',
        range: [-1, 1],
        seed: 5,
      });
      savePng('class-goldfish.png', goldfish, fromModel);
    }, 3_600_000);
  }
});

/** [B, C, H, W] → [1, C, H, B·W + 4·(B − 1)]: the images side by side with white gaps. */
function tileRow(t: Tensor): Tensor {
  const [b = 1, c = 3, h = 0, w = 0] = t.dims;
  const gap = 4;
  const W = b * w + gap * (b - 1);
  const out = new Float32Array(c * h * W).fill(1);
  for (let i = 0; i < b; i++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          out[ch * h * W + y * W + i * (w + gap) + x] = t.data[
            ((i * c + ch) * h + y) * w + x
          ] as number;
  return { data: out, dims: [1, c, h, W] };
}

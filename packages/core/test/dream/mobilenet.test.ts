// The dream loops on the real MobileNetV2 (shared models folder): Deep Dream raises its layer
// objective, a unit visualization raises its unit far above its value on the first steps, class
// visualizations (both methods) end with their class on top, and a unit that is zero on the grey
// start image (expanded_conv_3/expand/Relu6 channel 20, issue #21) is dead throughout without
// redirected ReLU gradients on a grey fill and comes alive with them. (The pictures docs/dream.md
// shows come from packages/cli/scripts/readme-images.sh and bench/dream-quality.mjs.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  classVisualization,
  deepDream,
  type Engine,
  imageToTensor,
  presets,
  resolveModelConfig,
  rgbToImages,
  type Tensor,
  tensorToImage,
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

  it('a unit visualization raises the unit far above its value on the start image', async () => {
    const objective = {
      kind: 'channel',
      tensor: 'MobilenetV2/expanded_conv_10/expand/Relu6',
      channel: 17,
    } as const;
    const resolved = resolveModelConfig(engine.info, config);
    // The unit on an image as it is shown, resized to the model's input (no random transforms).
    const unitOn = async (rgb: Tensor) => {
      const { tensor: x } = imageToTensor(rgbToImages(rgb)[0]!, resolved);
      return (await engine.gradient(x, objective)).value;
    };
    const start = await unitVisualization(
      engine,
      undefined,
      { objective, steps: 0, seed: 3 },
      config,
    );
    const final = await unitVisualization(
      engine,
      undefined,
      { objective, steps: 64, seed: 3 },
      config,
    );
    expect(final.dims).toEqual([1, 3, 128, 128]);
    expect(await unitOn(final)).toBeGreaterThan(10 * Math.max(await unitOn(start), 1e-3));
  }, 300_000);

  it.each([
    { method: 'lucid', steps: 48 },
    { method: 'simonyan', steps: 60 },
  ] as const)(
    'a $method class visualization ends with the target class in the top-1',
    async ({ method, steps }) => {
      const classIndex = 2; // goldfish (index 0 is "background")
      const image = await classVisualization(
        engine,
        undefined,
        { method, classIndex, steps, seed: 5 },
        config,
      );
      // 'lucid' optimizes 128 × 128 (Lucid's size): the picture, fed as a user would feed it.
      const resolved = resolveModelConfig(engine.info, config);
      const { tensor: input } = imageToTensor(tensorToImage(image, resolved), resolved);
      const logits = await logitsOf(input);
      expect(argmax(logits.data)).toBe(classIndex);
    },
    300_000,
  );

  const lumaSd = (rgb: Tensor) => {
    const n = (rgb.dims[2] as number) * (rgb.dims[3] as number);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const y =
        0.299 * (rgb.data[i] as number) +
        0.587 * (rgb.data[n + i] as number) +
        0.114 * (rgb.data[2 * n + i] as number);
      s += y;
      s2 += y * y;
    }
    return Math.sqrt(s2 / n - (s / n) ** 2);
  };
  const dead = {
    kind: 'channel',
    tensor: 'MobilenetV2/expanded_conv_3/expand/Relu6',
    channel: 20,
  } as const;

  it('a unit that is zero on grey stays dead without redirected ReLU gradients and comes alive with them', async () => {
    // The composed sampling fills with grey: nothing but the near-grey image reaches the model.
    const composed = { sampling: 'composed' } as const;
    const off = await unitVisualization(
      engine,
      undefined,
      { objective: dead, steps: 20, seed: 0, transforms: composed, redirectRelu: false },
      config,
    );
    expect(off.outcomes[0]).toMatchObject({ deadSteps: 20, redirectedSteps: 0, dead: true });
    expect(lumaSd(off)).toBeLessThan(0.01);
    const on = await unitVisualization(
      engine,
      undefined,
      { objective: dead, steps: 20, seed: 0, transforms: composed },
      config,
    );
    const outcome = on.outcomes[0]!;
    expect(outcome.dead).toBe(false);
    expect(outcome.deadSteps).toBeGreaterThan(0);
    expect(outcome.redirectedSteps).toBe(outcome.deadSteps);
    expect(outcome.value).toBeGreaterThan(0);
  }, 300_000);

  // The claim of issue #21 (no flat unit among the first 32 channels of both layers, seeds 0–3)
  // is checked in full by `node bench/dream-quality.mjs --dead-units` (256 runs: too long for the
  // suite); here, the unit that came out flat before (channel 20 of expanded_conv_3) and the same
  // channel of expanded_conv_10, for every seed, in 48 of the default 512 steps (contrast grows
  // with the steps: channel 20, seed 1 has luminance sd 0.040 at step 32, 0.069 at 48, 0.097 at 64).
  const sample = [dead.tensor, 'MobilenetV2/expanded_conv_10/expand/Relu6'].flatMap((tensor) =>
    [0, 1, 2, 3].map((seed) => ({ tensor, seed })),
  );
  it.each(sample)(
    'with the defaults, channel 20 of $tensor comes out with contrast (luminance sd ≥ 0.05) in 48 steps, seed $seed',
    async ({ tensor, seed }) => {
      const rgb = await unitVisualization(
        engine,
        undefined,
        { objective: { kind: 'channel', tensor, channel: 20 }, steps: 48, seed },
        config,
      );
      expect(rgb.outcomes[0]?.dead).toBe(false);
      expect(lumaSd(rgb)).toBeGreaterThanOrEqual(0.05);
    },
    300_000,
  );
});

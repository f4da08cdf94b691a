// What users wait for through the public API: `@fv/runtime`'s engine (worker, wasm) driven by
// `@fv/core`'s saliency methods and dream schedulers, on MobileNetV2 (quick: ResNet-20 on 32×32).
// Dream scheduling overhead = the share of a step spent outside `engine.gradient`; memory = the
// process RSS (main thread plus the engine's worker thread) sampled at every step of a long dream.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deepDream, presets, saliency, tensor, unitVisualization } from '@fv/core';
import { createEngine } from '@fv/runtime';
import { modelsDir, sinInput, summarize } from './util.mjs';

const MiB = 2 ** 20;

function timedEngine(engine) {
  const stats = { gradientMs: 0, gradientCalls: 0 };
  const wrapped = {
    get info() {
      return engine.info;
    },
    forward: (...a) => engine.forward(...a),
    gradient: async (...a) => {
      const t = performance.now();
      try {
        return await engine.gradient(...a);
      } finally {
        stats.gradientMs += performance.now() - t;
        stats.gradientCalls++;
      }
    },
    dispose: () => engine.dispose(),
  };
  return { engine: wrapped, stats };
}

async function repeat(n, fn, { warmup = true } = {}) {
  if (warmup) await fn();
  const xs = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return summarize(xs);
}

/** Runs a dream iterator, timing each step and the engine time inside it; samples RSS. */
async function dreamSteps(frames, stats, onStep) {
  const steps = [];
  const inside = [];
  let t = performance.now();
  let g = stats.gradientMs;
  for await (const frame of frames) {
    const now = performance.now();
    steps.push(now - t);
    inside.push(stats.gradientMs - g);
    onStep?.(frame);
    t = performance.now();
    g = stats.gradientMs;
  }
  // The first step compiles gradient sessions: leave it out when there are others.
  const s = steps.length > 1 ? steps.slice(1) : steps;
  const i = inside.length > 1 ? inside.slice(1) : inside;
  const total = s.reduce((a, b) => a + b, 0);
  const eng = i.reduce((a, b) => a + b, 0);
  return { stepMs: summarize(s), overhead: (total - eng) / total, firstStepMs: steps[0] };
}

export async function benchEngine({ quick, log = () => {} }) {
  const shared = modelsDir();
  if (!shared) return { skipped: 'shared models directory absent' };
  const threads = 1;
  const cfg = quick
    ? {
        model: 'ResNet-20 CIFAR 32',
        file: join(shared, 'cifar10/resnet20.onnx'),
        size: [32, 32],
        config: { logits: 'logits' },
        range: [-3, 3],
        dreamTensor: undefined,
      }
    : {
        model: 'MobileNetV2 224',
        file: join(shared, 'imagenet/mobilenet_v2_1.0_224.onnx'),
        size: [224, 224],
        config: { ...presets.tensorflow, logits: 'logits' },
        range: [-1, 1],
        dreamTensor: 'MobilenetV2/expanded_conv_6/expand/Relu6',
        unitTensor: 'MobilenetV2/expanded_conv_10/expand/Relu6',
      };
  const reps = quick ? 1 : 5;
  const bytes = new Uint8Array(readFileSync(cfg.file));
  const rssStart = process.memoryUsage().rss;
  const real = await createEngine({ model: bytes, backend: 'wasm', numThreads: threads });
  const { engine, stats } = timedEngine(real);
  const [h, w] = cfg.size;
  const layers = engine.info.layers;
  const dreamTensor =
    cfg.dreamTensor ??
    layers.filter((l) => l.opType === 'Relu' && l.differentiable !== false)[
      Math.floor(layers.filter((l) => l.opType === 'Relu').length / 2)
    ]?.name;
  const unitTensor = cfg.unitTensor ?? dreamTensor;
  const input = engine.info.inputs[0].name;
  const x = () => tensor(sinInput(3 * h * w), [1, 3, h, w]);
  const result = {
    model: cfg.model,
    threads,
    size: `${w}×${h}`,
    saliency: [],
    dreams: [],
    engineCalls: [],
  };
  try {
    // Engine round trips (worker messaging included).
    const fwd = await repeat(reps, () => engine.forward(x()));
    const grad = await repeat(reps, () =>
      engine.gradient(x(), { kind: 'logit', output: 'logits' }, { seed: 1 }),
    );
    result.engineCalls.push(
      { name: 'engine.forward', detail: 'worker round trip', ms: fwd },
      { name: 'engine.gradient', detail: 'logit objective, worker round trip', ms: grad },
    );
    result.engineGradientForwardRatio = grad.median / fwd.median;
    log(`  engine forward ${fwd.median.toFixed(1)} ms, gradient ${grad.median.toFixed(1)} ms`);
    const methods = [
      { method: 'vanilla', detail: '' },
      { method: 'smoothgrad', samples: quick ? 2 : 25, detail: `${quick ? 2 : 25} samples` },
      {
        method: 'integrated-gradients',
        steps: quick ? 2 : 32,
        detail: `${quick ? 2 : 32} steps`,
      },
      { method: 'grad-cam', detail: 'last conv layer (auto)' },
      {
        method: 'occlusion',
        window: quick ? 8 : 16,
        stride: quick ? 8 : 8,
        detail: quick ? 'window 8, stride 8' : 'window 16, stride 8',
        reps: quick ? 1 : 2,
      },
    ];
    for (const { detail, reps: r, ...options } of methods) {
      log(`  saliency ${options.method}`);
      try {
        const ms = await repeat(
          r ?? reps,
          () => saliency(engine, x(), { target: 'top', ...options }, cfg.config),
          { warmup: !r },
        );
        result.saliency.push({ method: options.method, detail, ms });
      } catch (e) {
        result.saliency.push({ method: options.method, detail, error: String(e?.message ?? e) });
      }
    }

    // Deep Dream at the model size, and the memory over a long run (100 steps; quick: 3).
    const steps = quick ? 3 : 100;
    log(`  deep dream ${w}×${h}, ${steps} steps`);
    let rssPeak = process.memoryUsage().rss;
    const rssBefore = rssPeak;
    try {
      const d = await dreamSteps(
        deepDream(engine, x(), {
          objective: { kind: 'layer', tensor: dreamTensor },
          range: cfg.range,
          octaves: 1,
          steps,
          seed: 1,
        }),
        stats,
        () => {
          rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        },
      );
      result.dreams.push({
        name: 'Deep Dream step',
        detail: `${w}×${h}, ${dreamTensor}, ${steps} steps`,
        ...d,
      });
      result.memory = {
        steps,
        detail: `${w}×${h}, one octave`,
        rssStartMiB: rssBefore / MiB,
        rssPeakMiB: rssPeak / MiB,
        rssEndMiB: process.memoryUsage().rss / MiB,
        rssBeforeEngineMiB: rssStart / MiB,
      };
    } catch (e) {
      result.dreams.push({ name: 'Deep Dream step', error: String(e?.message ?? e) });
    }

    // Deep Dream on a large image, tiled.
    const [bh, bw] = quick ? [48, 64] : [768, 1024];
    log(`  deep dream ${bw}×${bh} tiled`);
    try {
      const big = tensor(sinInput(3 * bh * bw), [1, 3, bh, bw]);
      const d = await dreamSteps(
        deepDream(engine, big, {
          objective: { kind: 'layer', tensor: dreamTensor },
          range: cfg.range,
          octaves: 1,
          steps: quick ? 2 : 4,
          seed: 1,
        }),
        stats,
      );
      result.dreams.push({
        name: 'Deep Dream step, tiled',
        detail: `${bw}×${bh}, tiles of ${w}×${h}, ${quick ? 2 : 4} steps`,
        ...d,
      });
    } catch (e) {
      result.dreams.push({ name: 'Deep Dream step, tiled', error: String(e?.message ?? e) });
    }

    // Unit visualization at 128×128 (quick: 32×32).
    const us = quick ? 32 : 128;
    const usteps = quick ? 2 : 10;
    log(`  unit visualization ${us}×${us}`);
    try {
      const d = await dreamSteps(
        unitVisualization(
          engine,
          undefined,
          {
            objective: { kind: 'channel', tensor: unitTensor, channel: 3 },
            size: [us, us],
            steps: usteps,
            seed: 1,
          },
          // RGB in [0, 1] to model input (rgb − 0.5) / 0.5.
          { scale: 1 / 255, mean: [0.5], std: [0.5] },
        ),
        stats,
      );
      result.dreams.push({
        name: 'unit visualization step',
        detail: `${us}×${us}, ${unitTensor} channel 3, ${usteps} steps`,
        ...d,
      });
    } catch (e) {
      result.dreams.push({ name: 'unit visualization step', error: String(e?.message ?? e) });
    }
  } finally {
    await real.dispose();
  }
  result.input = input;
  result.engineGradientCalls = stats.gradientCalls;
  return result;
}

// What users wait for through the public API: `@fv/runtime`'s engine (worker, wasm) running
// `@fv/core`'s saliency methods and dream loops (hosted in the worker through `engine.run`), on
// MobileNetV2 (quick: ResNet-20 on 32×32). Loop overhead = the share of a loop's wall time (as
// the caller sees it, frames streamed every step) spent outside the engine's forward and gradient
// calls in the worker (`stats().loopEngineMs`): scheduling, image transforms, parameterization,
// frames and messaging. Memory = the process RSS (main thread plus the engine's worker thread)
// sampled at every step of a long dream.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deepDream, presets, saliency, tensor, unitVisualization } from '@fv/core';
import { createEngine } from '@fv/runtime';
import { modelsDir, sinInput, summarize } from './util.mjs';

const MiB = 2 ** 20;

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

/**
 * Runs a hosted loop twice: `warmup` steps (default one) to build its sessions, then `steps` steps
 * measured. Frames come back every step; step times are their arrival intervals (the first left
 * out), and the overhead is 1 − (engine time in the worker) / (wall time from request to result).
 */
async function hostedSteps(engine, start, steps, onStep, warmup = 1) {
  await start(warmup);
  const before = (await engine.stats()).loopEngineMs;
  const begin = performance.now();
  const arrivals = [];
  const run = start(steps);
  for await (const frame of run) {
    arrivals.push(performance.now());
    onStep?.(frame);
  }
  await run;
  const wall = performance.now() - begin;
  const inside = (await engine.stats()).loopEngineMs - before;
  const intervals = arrivals.slice(1).map((t, i) => t - arrivals[i]);
  return {
    stepMs: summarize(intervals.length > 0 ? intervals : [wall]),
    overhead: Math.max(0, 1 - inside / wall),
    firstStepMs: arrivals[0] - begin,
  };
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
  const engine = real;
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
        // Hosted in the worker: one request per map.
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

    /** `n` steps of one Deep Dream octave on `image` (the model-size and the tiled runs). */
    const dreamSteps = (image) => (n) =>
      deepDream(engine, image, {
        objective: { kind: 'layer', tensor: dreamTensor },
        range: cfg.range,
        octaves: 1,
        steps: n,
        seed: 1,
        frameIntervalMs: 0,
      });

    // Deep Dream at the model size, and the memory over a long run (100 steps; quick: 3).
    const steps = quick ? 3 : 100;
    log(`  deep dream ${w}×${h}, ${steps} steps`);
    let rssPeak = process.memoryUsage().rss;
    const rssBefore = rssPeak;
    try {
      const image = x();
      const d = await hostedSteps(engine, dreamSteps(image), steps, () => {
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      });
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
      const d = await hostedSteps(engine, dreamSteps(big), quick ? 2 : 4);
      result.dreams.push({
        name: 'Deep Dream step, tiled',
        detail: `${bw}×${bh}, tiles of ${w}×${h}, ${quick ? 2 : 4} steps`,
        ...d,
      });
    } catch (e) {
      result.dreams.push({ name: 'Deep Dream step, tiled', error: String(e?.message ?? e) });
    }

    // Unit visualization at 128×128 (quick: 32×32): 30 steps after a warm-up run of 10 (users run
    // 512). With one warm-up step and 10 steps the row measured mostly V8 compiling the
    // transforms and FFT code (the first tens of steps of a worker's first run; slowest on a
    // loaded machine, where the compiler thread waits for a core), not the per-step work.
    const us = quick ? 32 : 128;
    const usteps = quick ? 2 : 30;
    const uwarmup = quick ? 1 : 10;
    log(`  unit visualization ${us}×${us}`);
    try {
      const d = await hostedSteps(
        engine,
        (n) =>
          unitVisualization(
            engine,
            undefined,
            {
              objective: { kind: 'channel', tensor: unitTensor, channel: 3 },
              size: [us, us],
              steps: n,
              seed: 1,
              frameIntervalMs: 0,
            },
            // RGB in [0, 1] to model input (rgb − 0.5) / 0.5.
            { scale: 1 / 255, mean: [0.5], std: [0.5] },
          ),
        usteps,
        undefined,
        uwarmup,
      );
      result.dreams.push({
        name: 'unit visualization step',
        detail: `${us}×${us}, ${unitTensor} channel 3, ${usteps} steps after a ${uwarmup}-step run`,
        ...d,
      });
    } catch (e) {
      result.dreams.push({ name: 'unit visualization step', error: String(e?.message ?? e) });
    }
  } finally {
    await real.dispose();
  }
  result.input = input;
  return result;
}

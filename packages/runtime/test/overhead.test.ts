// Measures the worker round trip at 224×224: the engine's time per call minus onnxruntime-web's own
// run time for the same work in this thread, on a model that does almost nothing (Relu: the
// 588 KiB input goes in and a 588 KiB output comes back), and for a gradient call on a small
// CNN. Reports the numbers; timings are not asserted (machines and load differ).
import { buildGradientModel } from '@fv/autodiff';
import type { Objective } from '@fv/core';
import * as ort from 'onnxruntime-web';
import { expect, test } from 'vitest';
import { createEngine } from '../src/index.js';
import { convNet, randomInput, reluNet } from './helpers/models.js';
import { workerUrl } from './helpers/worker.js';

interface Timing {
  readonly min: number;
  readonly median: number;
}

async function timeIt(n: number, fn: () => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < 10; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { min: times[0]!, median: times[Math.floor(n / 2)]! };
}

const round = (t: Timing) => ({ min: +t.min.toFixed(2), median: +t.median.toFixed(2) });
const minus = (a: Timing, b: Timing) => ({
  min: +(a.min - b.min).toFixed(2),
  median: +(a.median - b.median).toFixed(2),
});

test('per-call overhead of the worker round trip at 224×224 (reported)', async () => {
  ort.env.wasm.numThreads = 1;
  const dims = [1, 3, 224, 224];
  const data = randomInput(3 * 224 * 224, 1);
  const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' } as const;

  const relu = reluNet(224);
  const reluEngine = await createEngine({
    model: relu,
    backend: 'wasm',
    worker: await workerUrl(),
  });
  const reluDirect = await ort.InferenceSession.create(relu, options);

  const net = convNet({ size: 224, batch: 1 });
  const objective: Objective = { kind: 'logit', output: 'logits' };
  const netEngine = await createEngine({
    model: net.bytes,
    backend: 'wasm',
    worker: await workerUrl(),
  });
  const gm = buildGradientModel(net.bytes, { objective, inputShapes: { image: dims } });
  const gradientDirect = await ort.InferenceSession.create(gm.bytes, options);
  const seed = new Float32Array(5);
  seed[2] = 1;
  try {
    const n = 100;
    const forwardEngine = await timeIt(n, () => reluEngine.forward({ data, dims }));
    const forwardDirect = await timeIt(n, async () => {
      const out = await reluDirect.run({ image: new ort.Tensor('float32', data, dims) });
      return (out.out!.data as Float32Array).slice();
    });
    const gradientEngine = await timeIt(n, () =>
      netEngine.gradient({ data, dims }, objective, { seed: 2 }),
    );
    const gradientRun = await timeIt(n, async () => {
      const out = await gradientDirect.run(
        {
          image: new ort.Tensor('float32', data, dims),
          [gm.seedInput!]: new ort.Tensor('float32', seed, [1, 5]),
        },
        [gm.valueOutput, gm.gradientOutputs.image!],
      );
      return (out[gm.gradientOutputs.image!]!.data as Float32Array).slice();
    });
    const report = {
      forwardRelu: {
        engine: round(forwardEngine),
        direct: round(forwardDirect),
        overhead: minus(forwardEngine, forwardDirect),
      },
      gradientConvNet: {
        engine: round(gradientEngine),
        direct: round(gradientRun),
        overhead: minus(gradientEngine, gradientRun),
      },
    };
    console.log(
      `fv-runtime round-trip overhead, ms (${n} calls, 224×224, wasm 1 thread): ${JSON.stringify(report)}`,
    );
    expect(Number.isFinite(report.forwardRelu.overhead.median)).toBe(true);
  } finally {
    await reluDirect.release();
    await gradientDirect.release();
    await reluEngine.dispose();
    await netEngine.dispose();
  }
}, 180_000);

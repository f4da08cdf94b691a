// Benchmarks of @fv/autodiff (run through `pnpm bench`): gradient-model build time and the
// gradient/forward time ratio in onnxruntime-web (wasm, Node), with and without precomputed
// flipped Conv weights. Runs are interleaved (forward, gradient, gradient+flip, …) so that
// machine noise hits all variants alike; medians of the timed repetitions are reported.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGradientModel } from '@fv/autodiff';
import * as ort from 'onnxruntime-web';
import { median, modelsDir, repoRoot, summarize } from './util.mjs';

export async function benchAutodiff({ quick, threads }) {
  ort.env.wasm.numThreads = threads;
  const shared = modelsDir();
  const models = [];
  if (shared) {
    models.push({
      name: 'MobileNetV2 224',
      file: join(shared, 'imagenet/mobilenet_v2_1.0_224.onnx'),
      input: 'input',
      dims: [1, 3, 224, 224],
      output: 'logits',
    });
  }
  const resnet18 = join(repoRoot, 'bench/models/resnet18.onnx');
  if (existsSync(resnet18)) {
    models.push({
      name: 'ResNet-18 224',
      file: resnet18,
      input: 'input',
      dims: [1, 3, 224, 224],
      output: 'logits',
    });
  } else {
    console.warn(
      'bench: bench/models/resnet18.onnx is absent (regenerate with tools/autodiff_fixtures.py); skipping ResNet-18',
    );
  }
  if (shared) {
    models.push({
      name: 'ResNet-20 CIFAR 32',
      file: join(shared, 'cifar10/resnet20.onnx'),
      input: 'input',
      dims: [1, 3, 32, 32],
      output: 'logits',
    });
  }
  if (quick) models.splice(1);
  const reps = quick ? 1 : 7;
  const rows = [];
  for (const m of models) {
    const bytes = new Uint8Array(readFileSync(m.file));
    const builds = [];
    let gm;
    for (let i = 0; i < (quick ? 1 : 5); i++) {
      const t = performance.now();
      gm = buildGradientModel(bytes, { objective: { kind: 'logit', output: m.output } });
      builds.push(performance.now() - t);
    }
    const t = performance.now();
    const gmFlip = buildGradientModel(bytes, {
      objective: { kind: 'logit', output: m.output },
      precomputeWeights: true,
    });
    const buildFlip = performance.now() - t;
    const fwd = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const grad = await ort.InferenceSession.create(gm.bytes, { executionProviders: ['wasm'] });
    const gradFlip = await ort.InferenceSession.create(gmFlip.bytes, {
      executionProviders: ['wasm'],
    });
    const n = m.dims.reduce((a, b) => a * b, 1);
    const x = new ort.Tensor(
      'float32',
      Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5),
      m.dims,
    );
    const outDims = (await fwd.run({ [m.input]: x }, [m.output]))[m.output].dims;
    const seed = new ort.Tensor(
      'float32',
      new Float32Array(outDims.reduce((a, b) => a * b, 1)).fill(0.01),
      outDims,
    );
    const variants = {
      forward: () => fwd.run({ [m.input]: x }, [m.output]),
      gradient: () =>
        grad.run({ [m.input]: x, [gm.seedInput]: seed }, [
          gm.gradientOutputs[m.input],
          gm.valueOutput,
        ]),
      'gradient (flipped weights)': () =>
        gradFlip.run({ [m.input]: x, [gmFlip.seedInput]: seed }, [
          gmFlip.gradientOutputs[m.input],
          gmFlip.valueOutput,
        ]),
    };
    const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    for (const run of Object.values(variants)) await run(); // warm-up
    for (let r = 0; r < reps; r++) {
      for (const [k, run] of Object.entries(variants)) {
        const t0 = performance.now();
        await run();
        times[k].push(performance.now() - t0);
      }
    }
    await Promise.all([fwd.release(), grad.release(), gradFlip.release()]);
    const f = median(times.forward);
    rows.push({
      model: m.name,
      threads,
      buildMs: summarize(builds),
      buildFlipMs: buildFlip,
      forwardMs: summarize(times.forward),
      gradientMs: summarize(times.gradient),
      gradientFlipMs: summarize(times['gradient (flipped weights)']),
      ratio: median(times.gradient) / f,
      ratioFlip: median(times['gradient (flipped weights)']) / f,
      modelBytes: bytes.length,
      gradientModelBytes: gm.bytes.length,
      flipModelBytes: gmFlip.bytes.length,
      addedNodes: gm.addedNodes,
    });
  }
  return rows;
}

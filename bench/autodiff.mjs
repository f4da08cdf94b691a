// Benchmarks of @fv/autodiff (run through `pnpm bench`): gradient-model build time and the
// gradient/forward time ratio in onnxruntime-web (wasm, Node) and in onnxruntime-node's CPU
// provider (fv's `native` backend, when installed): the default graph, precomputed flipped Conv
// weights, and the native backend's tuning (NATIVE_GRADIENT_TUNING: flipped weights and Conv +
// Clip masks), on both. Runs are interleaved (forward, gradients, native …, peers) so that
// machine noise hits all variants alike; medians of the timed repetitions are reported
// (millisecond-scale models get more repetitions, see interleave's budget).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildGradientModel } from '@fv/autodiff';
import { summarizeModel } from '@fv/runtime';
import * as ort from 'onnxruntime-web';
import { NATIVE_GRADIENT_TUNING, nativeSessionOptions } from '../packages/runtime/dist/native.js';
import { startPeer } from './peers.mjs';
import {
  compare,
  interleave,
  modelsDir,
  pairedRatio,
  repoRoot,
  sinInput,
  summarize,
} from './util.mjs';
import { vitB16 } from './vit.mjs';

const PEER_NAMES = { torch: 'PyTorch', tfjs: 'TF.js' };

/** onnxruntime-node (the native backend's runtime), or why it cannot be loaded. */
async function loadNative() {
  try {
    const m = await import('onnxruntime-node');
    return { ort: m.default ?? m };
  } catch (error) {
    return { why: `onnxruntime-node cannot be loaded: ${String(error?.message).split('\n')[0]}` };
  }
}

/** Session options as `@fv/runtime`'s native backend sets them (worker/onnxruntime-node.ts). */
export const nativeOptions = (threads) => nativeSessionOptions(threads);

function describe(name, file, fallbackDims) {
  const bytes = new Uint8Array(readFileSync(file));
  const summary = summarizeModel(bytes);
  const input = summary.inputs[0];
  const output = summary.outputs.find((o) => o.name === 'logits') ?? summary.outputs[0];
  const dims = input.dims.map((d, i) => (typeof d === 'number' && d > 0 ? d : fallbackDims[i]));
  return { name, file, bytes, input: input.name, output: output.name, dims };
}

/**
 * The benchmark models: MobileNetV2 224 (shared models), ResNet-18 224 (random weights, exported
 * by tools/autodiff_fixtures.py into bench/models/), ViT-B/16 224 (built in code, random weights),
 * the default model (models/default/*.onnx) when present; `quick` uses ResNet-20 on 32×32 CIFAR
 * inputs instead (small and fast).
 */
export function benchModels({ quick }) {
  const shared = modelsDir();
  const models = [];
  const skipped = [];
  if (quick) {
    if (shared) {
      models.push(
        describe('ResNet-20 CIFAR 32', join(shared, 'cifar10/resnet20.onnx'), [1, 3, 32, 32]),
      );
    } else skipped.push('shared models directory absent (FV_MODELS_DIR or ../shared/models)');
    return { models, skipped };
  }
  if (shared) {
    models.push(
      describe(
        'MobileNetV2 224',
        join(shared, 'imagenet/mobilenet_v2_1.0_224.onnx'),
        [1, 3, 224, 224],
      ),
    );
  } else skipped.push('MobileNetV2: shared models directory absent');
  const resnet18 = join(repoRoot, 'bench/models/resnet18.onnx');
  if (existsSync(resnet18)) {
    models.push(describe('ResNet-18 224', resnet18, [1, 3, 224, 224]));
  } else {
    skipped.push(
      'ResNet-18: bench/models/resnet18.onnx is absent (/usr/bin/python3 tools/autodiff_fixtures.py --only resnet18)',
    );
  }
  // A vision transformer next to the CNNs: ViT-B/16 built in code (bench/vit.mjs), random weights.
  // No peers (they read model files) and no flipped-weights variant (no stride-1 convolutions).
  models.push({
    name: 'ViT-B/16 224 (random weights)',
    bytes: vitB16(),
    input: 'input',
    output: 'logits',
    dims: [1, 3, 224, 224],
    peers: false,
    flip: false,
  });
  const defDir = join(repoRoot, 'models/default');
  const def = existsSync(defDir) ? readdirSync(defDir).filter((f) => f.endsWith('.onnx')) : [];
  if (def.length) {
    const file = join(defDir, def.sort()[0]);
    models.push(describe(`default (${relative(repoRoot, file)})`, file, [1, 3, 224, 224]));
  } else skipped.push('default model: models/default/*.onnx is absent');
  return { models, skipped };
}

/**
 * Build time, forward and gradient time per model with `threads` threads, on wasm and (when
 * onnxruntime-node loads) on the native CPU provider in the same interleaved rounds. With `peers`
 * (['torch', 'tfjs']), the peers' forward and gradient runs are interleaved with ours, repetition
 * by repetition, and their gradients compared with ours (`peerRows`).
 */
export async function benchAutodiff({ quick, threads, models, peers = [], log = () => {} }) {
  ort.env.wasm.numThreads = threads;
  const reps = quick ? 1 : 11;
  const rows = [];
  const peerRows = [];
  const native = await loadNative();
  if (native.why) log(`  native rows skipped: ${native.why}`);
  for (const m of models) {
    const running = {};
    const peerKinds = m.peers === false ? [] : peers;
    for (const kind of peerKinds) {
      log(`  starting ${PEER_NAMES[kind]} peer for ${m.name}`);
      running[kind] = await startPeer(kind, { model: m, threads });
    }
    const { bytes } = m;
    const objective = { kind: 'logit', output: m.output };
    const builds = [];
    let gm;
    for (let i = 0; i < (quick ? 1 : 5); i++) {
      const t = performance.now();
      gm = buildGradientModel(bytes, { objective });
      builds.push(performance.now() - t);
    }
    const t = performance.now();
    const gmFlip =
      m.flip === false
        ? undefined
        : buildGradientModel(bytes, { objective, precomputeWeights: true });
    const buildFlip = gmFlip ? performance.now() - t : undefined;
    // The graph fv's native backend builds (flipped weights where they apply, Conv + Clip masks).
    const gmTuned = buildGradientModel(bytes, { objective, ...NATIVE_GRADIENT_TUNING });
    const opts = { executionProviders: ['wasm'] };
    const fwd = await ort.InferenceSession.create(bytes, opts);
    const grad = await ort.InferenceSession.create(gm.bytes, opts);
    const gradFlip = gmFlip && (await ort.InferenceSession.create(gmFlip.bytes, opts));
    const gradTuned = await ort.InferenceSession.create(gmTuned.bytes, opts);
    const nOpts = nativeOptions(threads);
    const nFwd = native.ort && (await native.ort.InferenceSession.create(bytes, nOpts));
    const nGrad = native.ort && (await native.ort.InferenceSession.create(gm.bytes, nOpts));
    const nGradFlip =
      native.ort && gmFlip && (await native.ort.InferenceSession.create(gmFlip.bytes, nOpts));
    const nGradTuned =
      native.ort && (await native.ort.InferenceSession.create(gmTuned.bytes, nOpts));
    const n = m.dims.reduce((a, b) => a * b, 1);
    const x = new ort.Tensor('float32', sinInput(n), m.dims);
    const outDims = (await fwd.run({ [m.input]: x }, [m.output]))[m.output].dims;
    const seed = new ort.Tensor(
      'float32',
      new Float32Array(outDims.reduce((a, b) => a * b, 1)).fill(0.01),
      outDims,
    );
    const gradName = gm.gradientOutputs[m.input];
    let lastGradient;
    let nativeGradient;
    let tunedGradient;
    const runTuned = (session, input, seedTensor) =>
      session.run({ [m.input]: input, [gmTuned.seedInput]: seedTensor }, [
        gmTuned.gradientOutputs[m.input],
        gmTuned.valueOutput,
      ]);
    const nX = native.ort && new native.ort.Tensor('float32', x.data, m.dims);
    const nSeed = native.ort && new native.ort.Tensor('float32', seed.data, seed.dims);
    const times = await interleave(
      {
        forward: () => fwd.run({ [m.input]: x }, [m.output]),
        gradient: async () => {
          const out = await grad.run({ [m.input]: x, [gm.seedInput]: seed }, [
            gradName,
            gm.valueOutput,
          ]);
          lastGradient = out[gradName].data;
        },
        ...(gradFlip
          ? {
              'gradient (flipped weights)': () =>
                gradFlip.run({ [m.input]: x, [gmFlip.seedInput]: seed }, [
                  gmFlip.gradientOutputs[m.input],
                  gmFlip.valueOutput,
                ]),
            }
          : {}),
        'gradient (native tuning)': () => runTuned(gradTuned, x, seed),
        ...(nFwd
          ? {
              'native forward': () => nFwd.run({ [m.input]: nX }, [m.output]),
              'native gradient': async () => {
                const out = await nGrad.run({ [m.input]: nX, [gm.seedInput]: nSeed }, [
                  gradName,
                  gm.valueOutput,
                ]);
                nativeGradient = out[gradName].data;
              },
              ...(nGradFlip
                ? {
                    'native gradient (flipped weights)': () =>
                      nGradFlip.run({ [m.input]: nX, [gmFlip.seedInput]: nSeed }, [
                        gmFlip.gradientOutputs[m.input],
                        gmFlip.valueOutput,
                      ]),
                  }
                : {}),
              'native gradient (native tuning)': async () => {
                const out = await runTuned(nGradTuned, nX, nSeed);
                tunedGradient = out[gmTuned.gradientOutputs[m.input]].data;
              },
            }
          : {}),
        ...Object.fromEntries(
          Object.entries(running).flatMap(([kind, p]) => [
            ...(p.forward ? [[`${kind} forward`, p.forward]] : []),
            ...(p.gradient ? [[`${kind} gradient`, p.gradient]] : []),
          ]),
        ),
      },
      reps,
      { budgetMs: quick ? undefined : 10_000 },
    );
    await Promise.all(
      [fwd, grad, gradFlip, gradTuned, nFwd, nGrad, nGradFlip, nGradTuned]
        .filter(Boolean)
        .map((s) => s.release()),
    );
    const peerRow = { model: m.name, threads };
    for (const [kind, p] of Object.entries(running)) {
      const { ready } = p;
      const g = p.close ? await p.close() : undefined;
      const fwdT = times[`${kind} forward`];
      const gradT = times[`${kind} gradient`];
      peerRow[kind] = {
        skipped: ready.skipped,
        error: ready.error,
        version: ready.torch ?? ready.tfjs,
        backend: ready.backend,
        threads: ready.threads,
        interopThreads: ready.interopThreads,
        blasThreads: ready.blasThreads,
        logitsRelErr: ready.logitsRelErr,
        gradientError: ready.gradientError,
        forwardMs: fwdT?.length ? summarize(fwdT) : undefined,
        gradientMs: gradT?.length ? summarize(gradT) : undefined,
        gradientVsOurs: g && lastGradient ? compare(lastGradient, g) : undefined,
      };
    }
    if (peerKinds.length) peerRows.push(peerRow);
    // Ratios: medians of the per-round ratios (same round, same machine load).
    const over = (a, b) => pairedRatio(times[a], times[b]);
    rows.push({
      model: m.name,
      dims: m.dims,
      threads,
      buildMs: summarize(builds),
      buildFlipMs: buildFlip,
      forwardMs: summarize(times.forward),
      gradientMs: summarize(times.gradient),
      gradientFlipMs: gradFlip ? summarize(times['gradient (flipped weights)']) : undefined,
      ratio: over('gradient', 'forward'),
      ratioFlip: gradFlip ? over('gradient (flipped weights)', 'forward') : undefined,
      gradientTunedMs: summarize(times['gradient (native tuning)']),
      ratioTuned: over('gradient (native tuning)', 'forward'),
      modelBytes: bytes.length,
      gradientModelBytes: gm.bytes.length,
      flipModelBytes: gmFlip?.bytes.length,
      addedNodes: gm.addedNodes,
      native: nFwd
        ? {
            version: native.ort.env?.versions?.node,
            forwardMs: summarize(times['native forward']),
            gradientMs: summarize(times['native gradient']),
            gradientFlipMs: nGradFlip
              ? summarize(times['native gradient (flipped weights)'])
              : undefined,
            ratio: over('native gradient', 'native forward'),
            ratioFlip: nGradFlip
              ? over('native gradient (flipped weights)', 'native forward')
              : undefined,
            gradientTunedMs: summarize(times['native gradient (native tuning)']),
            ratioTuned: over('native gradient (native tuning)', 'native forward'),
            wasmOverNative: over('gradient', 'native gradient (native tuning)'),
            ...(times['torch gradient']?.length
              ? { torchOverNative: over('torch gradient', 'native gradient (native tuning)') }
              : {}),
            // fv's native backend builds gradient graphs with NATIVE_GRADIENT_TUNING.
            tuned: 'native tuning',
            tuning: NATIVE_GRADIENT_TUNING,
            gradientVsWasm: compare(nativeGradient, lastGradient),
            tunedVsWasm: compare(tunedGradient, lastGradient),
          }
        : { skipped: native.why },
    });
  }
  return { rows, peerRows };
}

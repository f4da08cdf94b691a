// How onnxruntime-node's session options change the native backend's forward and gradient times
// at several thread counts, with the sessions used as fv's engine uses them: one forward and one
// gradient session alive at once, runs alternating (forward, gradient, forward, …). A diagnostic
// script (issue 18's 2-thread anomaly), not a benchmark section.
//
//   node bench/native-threads.mjs [model.onnx] [--threads 1,2] [--runs N] [--rounds N]
//        [--configs spin,nospin,…] [--alone]
//
// Configs: `spin` (onnxruntime's default: idle intra-op threads spin-wait after each parallel
// section), `nospin` (session.intra_op.allow_spinning = 0), `stop` (spinning, but
// session.force_spinning_stop = 1: the pool stops spinning when a run returns), `spin50us`,
// `spin200us`, `spin1000us` (spinning with session.intra_op.spin_duration_us), `parallel`
// (`current` with onnxruntime's parallel executor on an inter-op pool of as many threads), `current` (the options @fv/runtime's
// native backend sets today, from bench/autodiff.mjs's nativeOptions). Every round creates each
// config's pair of sessions, times `runs` alternations, and releases them; configs and thread
// counts are interleaved round by round, so load that changes between rounds hits all of them.
// `--alone`: also time the gradient session with no forward session alive.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildGradientModel, summarizeModel } from '@fv/autodiff';
import { NATIVE_GRADIENT_TUNING, nativeSessionOptions } from '../packages/runtime/dist/native.js';
import { median, modelsDir, sinInput } from './util.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '1,2' },
    runs: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    configs: { type: 'string', default: 'spin,nospin' },
    alone: { type: 'boolean', default: false },
  },
});
const file = positionals[0] ?? join(modelsDir() ?? '', 'imagenet/mobilenet_v2_1.0_224.onnx');
const threadCounts = values.threads.split(',').map(Number);
const runs = Number(values.runs);
const rounds = Number(values.rounds);
const ort = (await import('onnxruntime-node')).default;

const CONFIGS = {
  spin: (threads) => ({
    ...nativeSessionOptions(threads),
    extra: { session: { intra_op: { allow_spinning: '1' } } },
  }),
  nospin: (threads) => ({
    ...nativeSessionOptions(threads),
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  }),
  stop: (threads) => ({
    ...nativeSessionOptions(threads),
    extra: { session: { intra_op: { allow_spinning: '1' }, force_spinning_stop: '1' } },
  }),
  ...Object.fromEntries(
    [50, 200, 1000].map((us) => [
      `spin${us}us`,
      (threads) => ({
        ...nativeSessionOptions(threads),
        extra: { session: { intra_op: { allow_spinning: '1', spin_duration_us: String(us) } } },
      }),
    ]),
  ),
  parallel: (threads) => ({
    ...nativeSessionOptions(threads),
    executionMode: 'parallel',
    interOpNumThreads: threads,
  }),
  current: (threads) => nativeSessionOptions(threads),
};
const configs = values.configs.split(',');
for (const c of configs) if (!CONFIGS[c]) throw new Error(`unknown config ${c}`);

const bytes = new Uint8Array(readFileSync(file));
const summary = summarizeModel(bytes);
const input = summary.inputs[0];
const output = summary.outputs.find((o) => o.name === 'logits') ?? summary.outputs[0];
const dims = input.dims.map((d, i) => (typeof d === 'number' && d > 0 ? d : [1, 3, 224, 224][i]));
const gm = buildGradientModel(bytes, {
  objective: { kind: 'logit', output: output.name },
  ...NATIVE_GRADIENT_TUNING,
});
const x = new ort.Tensor('float32', sinInput(dims.reduce((a, b) => a * b, 1)), dims);

async function measure(options, alone) {
  const fwd = alone ? undefined : await ort.InferenceSession.create(bytes, options);
  const grad = await ort.InferenceSession.create(gm.bytes, options);
  const seedDims = output.dims.map((d, i) => (typeof d === 'number' && d > 0 ? d : dims[i]));
  const seed = new ort.Tensor(
    'float32',
    new Float32Array(seedDims.reduce((a, b) => a * b, 1)).fill(0.01),
    seedDims,
  );
  const fetches = [gm.gradientOutputs[input.name], gm.valueOutput];
  const times = { forward: [], gradient: [] };
  const step = async (i) => {
    let t = performance.now();
    if (fwd) {
      await fwd.run({ [input.name]: x }, [output.name]);
      if (i >= 0) times.forward.push(performance.now() - t);
      t = performance.now();
    }
    await grad.run({ [input.name]: x, [gm.seedInput]: seed }, fetches);
    if (i >= 0) times.gradient.push(performance.now() - t);
  };
  for (let i = -2; i < 0; i++) await step(i);
  for (let i = 0; i < runs; i++) await step(i);
  await Promise.all([fwd?.release(), grad.release()]);
  return times;
}

const all = {};
for (let r = 0; r < rounds; r++) {
  for (const threads of threadCounts) {
    for (const c of configs) {
      for (const alone of values.alone ? [false, true] : [false]) {
        const key = `${threads}t ${c}${alone ? ' gradient alone' : ''}`;
        const t = await measure(CONFIGS[c](threads), alone);
        all[key] ??= { forward: [], gradient: [] };
        all[key].forward.push(...t.forward);
        all[key].gradient.push(...t.gradient);
      }
    }
  }
}
const fmt = (xs) => (xs.length ? median(xs).toFixed(2) : '–');
console.log(`${file.split('/').pop()}, ${rounds} rounds × ${runs} runs; ms medians`);
console.log('config | forward | gradient | gradient/forward');
for (const [key, t] of Object.entries(all)) {
  const ratio = t.forward.length ? (median(t.gradient) / median(t.forward)).toFixed(2) : '–';
  console.log(`${key} | ${fmt(t.forward)} | ${fmt(t.gradient)} | ${ratio}`);
}

// Child process of bench/run.mjs: TensorFlow.js (wasm backend) forward and `tf.grad` input
// gradient of one ONNX classifier rebuilt in TensorFlow.js. A child per thread count because the
// wasm backend's thread count is fixed when it initializes. Prints one JSON object.
//
// node bench/peers/tfjs-run.mjs MODEL.onnx THREADS REPS DIMS(1,3,224,224) [GRAD_OUT]
// REPS 'serve': after warm-up print the checks, then time one call per stdin line ('forward' or
// 'gradient') and print {ms}, so that the runner can interleave these with its own runs.
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import * as ort from 'onnxruntime-web';
import { buildTfModel, loadTf } from './tfjs.mjs';

const [file, threadsArg, repsArg, dimsArg, gradOut] = process.argv.slice(2);
const threads = Number(threadsArg);
const reps = Number(repsArg);
const dims = dimsArg.split(',').map(Number);
const result = { threads };
try {
  const { tf, threads: tfThreads } = await loadTf(threads);
  result.tfjs = tf.version.tfjs;
  result.backend = tf.getBackend();
  result.threads = tfThreads;
  const bytes = new Uint8Array(readFileSync(file));
  const n = dims.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
  // Check: same logits as onnxruntime on the ONNX model.
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const ref = (await session.run({ input: new ort.Tensor('float32', x, dims) }, ['logits'])).logits
    .data;
  await session.release();
  const { f } = buildTfModel(tf, bytes);
  const xt = tf.tidy(() => tf.tensor4d(x, dims).transpose([0, 2, 3, 1]));
  const logits = tf.tidy(() => f(xt));
  const y = await logits.data();
  logits.dispose();
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (y[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
  }
  result.logitsRelErr = Math.sqrt(num / den);
  const forward = async () => {
    const out = tf.tidy(() => f(xt));
    await out.data();
    out.dispose();
  };
  const g = tf.grad((z) => tf.mul(tf.sum(f(z)), 0.01));
  let last;
  const gradient = async () => {
    const out = g(xt);
    await out.data();
    last?.dispose();
    last = out;
  };
  result.forwardMs = [];
  result.gradientMs = [];
  await forward();
  try {
    await gradient();
  } catch (e) {
    result.gradientError = String(e?.message ?? e).split('\n')[0];
  }
  if (repsArg === 'serve') {
    process.stdout.write(`${JSON.stringify({ ready: true, ...result })}\n`);
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      const call = { forward, gradient }[line.trim()];
      if (!call || (call === gradient && result.gradientError)) break;
      const t = performance.now();
      await call();
      process.stdout.write(`${JSON.stringify({ ms: performance.now() - t })}\n`);
    }
    rl.close();
  }
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    await forward();
    result.forwardMs.push(performance.now() - t);
    if (result.gradientError) continue;
    t = performance.now();
    await gradient();
    result.gradientMs.push(performance.now() - t);
  }
  if (gradOut && last) {
    const nchw = tf.tidy(() => last.transpose([0, 3, 1, 2]));
    writeFileSync(gradOut, new Uint8Array((await nchw.data()).buffer));
    nchw.dispose();
  }
} catch (e) {
  result.error = String(e?.stack ?? e);
}
process.stdout.write(`${JSON.stringify(result)}\n`);

// TensorFlow.js peer of `pnpm bench`: the same network built in TensorFlow.js (NHWC) with its
// weights copied from the ONNX initializers, input gradient by `tf.grad` on the wasm backend.
// Gradients are registered by the umbrella `@tensorflow/tfjs` package (not by tfjs-core alone),
// which is CommonJS-loaded here as the platform notes require in Node.
import { createRequire } from 'node:module';
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';

const require = createRequire(import.meta.url);
let tfPromise;

/** Loads TensorFlow.js on its wasm backend with `threads` threads (once per process). */
export async function loadTf(threads) {
  if (!tfPromise) {
    tfPromise = (async () => {
      const tf = require('@tensorflow/tfjs');
      const wasm = require('@tensorflow/tfjs-backend-wasm');
      wasm.setThreadsCount?.(threads);
      await tf.setBackend('wasm');
      await tf.ready();
      return { tf, wasm, threads: wasm.getThreadsCount?.() ?? threads };
    })();
  }
  return tfPromise;
}

function tensorData(t) {
  const dims = t.dims.map(Number);
  if (t.rawData && t.rawData.length > 0) {
    const b = t.rawData;
    const copy = new Uint8Array(b.length);
    copy.set(b);
    return { dims, data: new Float32Array(copy.buffer) };
  }
  return { dims, data: Float32Array.from(t.floatData) };
}

function attrs(node) {
  const out = {};
  for (const a of node.attribute) {
    if (a.ints.length) out[a.name] = a.ints.map(Number);
    else if (a.type === 2 /* INT */) out[a.name] = Number(a.i);
    else if (a.type === 1 /* FLOAT */) out[a.name] = a.f;
    else if (a.type === 4 /* TENSOR */) out[a.name] = a.t;
  }
  return out;
}

/**
 * Builds `f(xNhwc) -> logits` for the ONNX classifier in `bytes` (ops of ResNet-18, MobileNetV2,
 * ResNet-20, the default model: Conv incl. depthwise, BatchNormalization, Relu, Clip, Add, MaxPool, GlobalAveragePool, Flatten, Gemm,
 * Identity, Softmax). Conv weights OIHW become HWIO (depthwise: HW C 1).
 */
export function buildTfModel(tf, bytes, { input = 'input', output = 'logits' } = {}) {
  const model = fromBinary(ModelProtoSchema, bytes);
  const g = model.graph;
  const consts = new Map();
  for (const t of g.initializer) consts.set(t.name, tensorData(t));
  for (const n of g.node) {
    if (n.opType === 'Constant') consts.set(n.output[0], tensorData(attrs(n).value));
  }
  const weights = new Map();
  const steps = [];
  for (const n of g.node) {
    if (n.opType === 'Constant') continue;
    const a = attrs(n);
    const step = { op: n.opType, inputs: [...n.input], out: n.output[0], a };
    if (n.opType === 'Conv') {
      const w = consts.get(n.input[1]);
      const [o, i, kh, kw] = w.dims;
      const group = a.group ?? 1;
      const wt = tf.tidy(() => {
        const t = tf.tensor4d(w.data, [o, i, kh, kw]);
        return group === 1 ? t.transpose([2, 3, 1, 0]) : t.transpose([2, 3, 0, 1]); // depthwise: [kh, kw, C, 1]
      });
      if (group !== 1 && !(i === 1 && group === o)) {
        throw new Error(`tfjs peer: grouped Conv (group ${group}) is not depthwise`);
      }
      weights.set(n.input[1], tf.keep(wt));
      if (n.input[2]) weights.set(n.input[2], tf.tensor1d(consts.get(n.input[2]).data));
      const p = a.pads ?? [0, 0, 0, 0];
      step.pad =
        p[0] === p[2] && p[1] === p[3] && p[0] === p[1]
          ? p[0]
          : [
              [0, 0],
              [p[0], p[2]],
              [p[1], p[3]],
              [0, 0],
            ];
      step.depthwise = group !== 1;
    } else if (n.opType === 'Gemm') {
      const w = consts.get(n.input[1]);
      const t = tf.tensor2d(w.data, w.dims);
      weights.set(n.input[1], a.transB ? tf.keep(t.transpose()) : t);
      if (a.transB) t.dispose();
      if (n.input[2]) weights.set(n.input[2], tf.tensor1d(consts.get(n.input[2]).data));
    } else if (n.opType === 'BatchNormalization') {
      for (const k of n.input.slice(1)) weights.set(k, tf.tensor1d(consts.get(k).data));
    } else if (n.opType === 'Clip') {
      step.min = n.input[1] ? consts.get(n.input[1]).data[0] : (a.min ?? -Infinity);
      step.max = n.input[2] ? consts.get(n.input[2]).data[0] : (a.max ?? Infinity);
    }
    steps.push(step);
  }
  const f = (x) => {
    const env = new Map([[input, x]]);
    const get = (k) => env.get(k) ?? weights.get(k);
    for (const s of steps) {
      const i = s.inputs.map((k) => (k ? get(k) : undefined));
      let y;
      switch (s.op) {
        case 'Conv': {
          const strides = s.a.strides ?? [1, 1];
          const dil = s.a.dilations ?? [1, 1];
          y = s.depthwise
            ? tf.depthwiseConv2d(i[0], i[1], strides, s.pad, 'NHWC', dil)
            : tf.conv2d(i[0], i[1], strides, s.pad, 'NHWC', dil);
          if (i[2]) y = tf.add(y, i[2]);
          break;
        }
        case 'BatchNormalization':
          // inference form; inputs: X, scale, B, mean, var (channels last here)
          y = tf.batchNorm(i[0], i[3], i[4], i[2], i[1], s.a.epsilon ?? 1e-5);
          break;
        case 'Relu':
          y = tf.relu(i[0]);
          break;
        case 'Clip':
          y = s.min === 0 && s.max === 6 ? tf.relu6(i[0]) : tf.clipByValue(i[0], s.min, s.max);
          break;
        case 'Add':
          y = tf.add(i[0], i[1]);
          break;
        case 'MaxPool': {
          const p = s.a.pads ?? [0, 0, 0, 0];
          if (!(p[0] === p[2] && p[1] === p[3] && p[0] === p[1])) {
            throw new Error('tfjs peer: asymmetric MaxPool padding');
          }
          y = tf.maxPool(i[0], s.a.kernel_shape, s.a.strides ?? [1, 1], p[0]);
          break;
        }
        case 'GlobalAveragePool':
          y = tf.mean(i[0], [1, 2], true);
          break;
        case 'Flatten': {
          // NHWC [1, 1, 1, C] and NCHW [1, C, 1, 1] flatten alike: spatial dims are 1 here.
          if (i[0].shape[1] !== 1 || i[0].shape[2] !== 1) {
            throw new Error('tfjs peer: Flatten of a spatial tensor');
          }
          y = tf.reshape(i[0], [i[0].shape[0], -1]);
          break;
        }
        case 'Gemm':
          y = tf.matMul(i[0], i[1]);
          if (i[2]) y = tf.add(y, i[2]);
          break;
        case 'Identity':
          y = i[0];
          break;
        case 'Softmax':
          y = tf.softmax(i[0]);
          break;
        default:
          throw new Error(`tfjs peer: op ${s.op}`);
      }
      env.set(s.out, y);
    }
    return env.get(output);
  };
  const dispose = () => {
    for (const w of weights.values()) w.dispose();
  };
  return { f, dispose };
}

// Small models written in plain TypeScript whose gradients are known in closed form, implementing
// the Engine interface for saliency tests. All use NCHW inputs named `input` and logits `logits`.
import type {
  Engine,
  EngineInfo,
  GradientOptions,
  GradientResult,
  LayerInfo,
  Objective,
  ReluMode,
  Tensor,
} from '../../src/index.js';
import { FvError, throwIfAborted } from '../../src/index.js';

export interface AnalyticModel {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly classes: number;
  readonly layers?: readonly LayerInfo[];
  /** Forward values of one item: at least `logits`. */
  forward(x: Float32Array): Record<string, Float32Array>;
  /** ∂(seed · logits)/∂wrt for one item. */
  backward(x: Float32Array, seed: Float32Array, wrt: string, relu: ReluMode): Float32Array;
  readonly layerDims?: Readonly<Record<string, readonly number[]>>;
}

export interface CountingEngine extends Engine {
  readonly calls: { forward: number; gradient: number; maxBatch: number };
}

/** Wraps an analytic model into an Engine (batch dimension free unless `fixedBatch`). */
export function analyticEngine(
  model: AnalyticModel,
  options: { fixedBatch?: boolean; layout?: 'NCHW' | 'NHWC' } = {},
): CountingEngine {
  const { channels: c, height: h, width: w, classes } = model;
  const itemSize = c * h * w;
  const batch = options.fixedBatch ? 1 : null;
  const info: EngineInfo = {
    inputs: [
      {
        name: 'input',
        type: 'float32',
        dims: options.layout === 'NHWC' ? [batch, h, w, c] : [batch, c, h, w],
      },
    ],
    outputs: [{ name: 'logits', type: 'float32', dims: [batch, classes] }],
    layers: model.layers ?? [],
    backend: 'analytic',
  };
  const calls = { forward: 0, gradient: 0, maxBatch: 0 };
  const split = (input: Tensor): number => {
    const n = input.dims[0]!;
    if (input.data.length !== n * itemSize) {
      throw new FvError('SHAPE_MISMATCH', `bad input shape [${input.dims.join(', ')}]`);
    }
    if (options.fixedBatch && n !== 1) throw new FvError('SHAPE_MISMATCH', 'batch must be 1');
    calls.maxBatch = Math.max(calls.maxBatch, n);
    return n;
  };
  const dimsOf = (name: string, n: number): number[] =>
    name === 'logits' ? [n, classes] : [n, ...(model.layerDims?.[name] ?? [])];
  return {
    info,
    calls,
    async forward(input, opts = {}) {
      throwIfAborted(opts.signal);
      calls.forward++;
      const n = split(input);
      const names = opts.outputs ?? ['logits'];
      const out: Record<string, Tensor> = {};
      const parts: Record<string, Float32Array[]> = {};
      for (let i = 0; i < n; i++) {
        const values = model.forward(input.data.subarray(i * itemSize, (i + 1) * itemSize));
        for (const name of names) {
          const v = values[name];
          if (!v) throw new FvError('UNKNOWN_TENSOR', `no tensor ${name}`);
          parts[name] ??= [];
          parts[name].push(v);
        }
      }
      for (const name of names) {
        const list = parts[name]!;
        const data = new Float32Array(list.reduce((s, a) => s + a.length, 0));
        let o = 0;
        for (const a of list) {
          data.set(a, o);
          o += a.length;
        }
        out[name] = { data, dims: dimsOf(name, n) };
      }
      return out;
    },
    async gradient(
      input: Tensor,
      objective: Objective,
      opts: GradientOptions = {},
    ): Promise<GradientResult> {
      throwIfAborted(opts.signal);
      calls.gradient++;
      if (objective.kind !== 'logit' || objective.output !== 'logits') {
        throw new FvError(
          'INVALID_ARGUMENT',
          'analytic engines support logit objectives on logits',
        );
      }
      const n = split(input);
      const seedOf = (i: number): Float32Array => {
        const s = new Float32Array(classes);
        if (typeof opts.seed === 'number') s[opts.seed] = 1;
        else if (opts.seed) s.set(opts.seed.data.subarray(i * classes, (i + 1) * classes));
        return s;
      };
      const wrt = opts.wrt ?? ['input'];
      const gradients: Record<string, Tensor> = {};
      const kept: Record<string, Tensor> = {};
      let value = 0;
      for (const name of wrt) {
        const items: Float32Array[] = [];
        for (let i = 0; i < n; i++) {
          const x = input.data.subarray(i * itemSize, (i + 1) * itemSize);
          items.push(model.backward(x, seedOf(i), name, opts.relu ?? 'standard'));
        }
        const size = items[0]!.length;
        const data = new Float32Array(n * size);
        for (const [i, a] of items.entries()) data.set(a, i * size);
        gradients[name] = { data, dims: name === 'input' ? [...input.dims] : dimsOf(name, n) };
      }
      for (let i = 0; i < n; i++) {
        const x = input.data.subarray(i * itemSize, (i + 1) * itemSize);
        const values = model.forward(x);
        const s = seedOf(i);
        for (let k = 0; k < classes; k++) value += s[k]! * values.logits![k]!;
        for (const name of opts.keep ?? []) {
          kept[name] = { data: new Float32Array(values[name]!), dims: dimsOf(name, 1) };
        }
      }
      return { value, gradients, kept };
    },
    async dispose() {},
  };
}

/** A deterministic pseudo-random array in [lo, hi) (tests only). */
export function fixedArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = lo + ((s >>> 0) / 4294967296) * (hi - lo);
  }
  return out;
}

/** logits = W x + b: the gradient of class k is row k of W, whatever x. */
export function linearModel(
  c: number,
  h: number,
  w: number,
  classes: number,
  seed = 1,
): AnalyticModel & { weights: Float32Array } {
  const size = c * h * w;
  const weights = fixedArray(classes * size, seed);
  const bias = fixedArray(classes, seed + 1);
  return {
    channels: c,
    height: h,
    width: w,
    classes,
    weights,
    forward(x) {
      const logits = new Float32Array(classes);
      for (let k = 0; k < classes; k++) {
        let s = bias[k]!;
        for (let j = 0; j < size; j++) s += weights[k * size + j]! * x[j]!;
        logits[k] = s;
      }
      return { logits };
    },
    backward(_x, seed) {
      const g = new Float32Array(size);
      for (let k = 0; k < classes; k++) {
        if (seed[k] === 0) continue;
        for (let j = 0; j < size; j++) g[j]! += seed[k]! * weights[k * size + j]!;
      }
      return g;
    },
  };
}

/** logits_k = Σ_j a_kj x_j² + b_kj x_j: gradient 2 a x + b, linear along any straight path. */
export function quadraticModel(
  c: number,
  h: number,
  w: number,
  classes: number,
  seed = 3,
): AnalyticModel {
  const size = c * h * w;
  const a = fixedArray(classes * size, seed);
  const b = fixedArray(classes * size, seed + 1);
  return {
    channels: c,
    height: h,
    width: w,
    classes,
    forward(x) {
      const logits = new Float32Array(classes);
      for (let k = 0; k < classes; k++) {
        let s = 0;
        for (let j = 0; j < size; j++) {
          const xj = x[j]!;
          s += a[k * size + j]! * xj * xj + b[k * size + j]! * xj;
        }
        logits[k] = s;
      }
      return { logits };
    },
    backward(x, seed) {
      const g = new Float32Array(size);
      for (let k = 0; k < classes; k++) {
        if (seed[k] === 0) continue;
        for (let j = 0; j < size; j++) {
          g[j]! += seed[k]! * (2 * a[k * size + j]! * x[j]! + b[k * size + j]!);
        }
      }
      return g;
    },
  };
}

/**
 * A tiny CNN with known activations: pre = 2×2 average pooling of the input channel k mod C
 * times (k + 1), minus 0.1·k; features = relu(pre), shape [K, H/2, W/2];
 * logits_c = Σ_k V[c,k] · mean(features_k) + Σ_{k,p} U[c,k,p] · features_{k,p}.
 */
export function camModel(
  c: number,
  h: number,
  w: number,
  kChannels: number,
  classes: number,
  seed = 5,
) {
  const fh = h / 2;
  const fw = w / 2;
  const area = fh * fw;
  const featureSize = kChannels * area;
  const V = fixedArray(classes * kChannels, seed);
  const U = fixedArray(classes * featureSize, seed + 1, -0.2, 0.2);
  const pre = (x: Float32Array): Float32Array => {
    const out = new Float32Array(featureSize);
    for (let k = 0; k < kChannels; k++) {
      const src = k % c;
      for (let i = 0; i < fh; i++) {
        for (let j = 0; j < fw; j++) {
          let s = 0;
          for (let dy = 0; dy < 2; dy++) {
            for (let dx = 0; dx < 2; dx++) s += x[src * h * w + (2 * i + dy) * w + 2 * j + dx]!;
          }
          out[k * area + i * fw + j] = (s / 4) * (k + 1) - 0.1 * k;
        }
      }
    }
    return out;
  };
  /** ∂(seed · logits)/∂features. */
  const dFeatures = (seed: Float32Array): Float32Array => {
    const g = new Float32Array(featureSize);
    for (let cls = 0; cls < classes; cls++) {
      const s = seed[cls]!;
      if (s === 0) continue;
      for (let k = 0; k < kChannels; k++) {
        for (let p = 0; p < area; p++) {
          g[k * area + p]! +=
            s * (V[cls * kChannels + k]! / area + U[cls * featureSize + k * area + p]!);
        }
      }
    }
    return g;
  };
  const model: AnalyticModel & { V: Float32Array; U: Float32Array; pre: typeof pre } = {
    channels: c,
    height: h,
    width: w,
    classes,
    V,
    U,
    pre,
    layers: [
      { name: 'pre', opType: 'AveragePool', dims: [1, kChannels, fh, fw], differentiable: true },
      { name: 'features', opType: 'Relu', dims: [1, kChannels, fh, fw], differentiable: true },
      {
        name: 'pooled',
        opType: 'GlobalAveragePool',
        dims: [1, kChannels, 1, 1],
        differentiable: true,
      },
      { name: 'logits', opType: 'Gemm', dims: [1, classes], differentiable: true },
    ],
    layerDims: {
      pre: [kChannels, fh, fw],
      features: [kChannels, fh, fw],
      pooled: [kChannels, 1, 1],
    },
    forward(x) {
      const p = pre(x);
      const features = p.map((v) => Math.max(v, 0));
      const pooled = new Float32Array(kChannels);
      for (let k = 0; k < kChannels; k++) {
        let s = 0;
        for (let q = 0; q < area; q++) s += features[k * area + q]!;
        pooled[k] = s / area;
      }
      const logits = new Float32Array(classes);
      for (let cls = 0; cls < classes; cls++) {
        let s = 0;
        for (let k = 0; k < kChannels; k++) s += V[cls * kChannels + k]! * pooled[k]!;
        for (let q = 0; q < featureSize; q++) s += U[cls * featureSize + q]! * features[q]!;
        logits[cls] = s;
      }
      return { pre: p, features, pooled, logits };
    },
    backward(x, seed, wrt, relu) {
      const gf = dFeatures(seed);
      if (wrt === 'features') return gf;
      const p = pre(x);
      const gp = new Float32Array(featureSize);
      for (let q = 0; q < featureSize; q++) {
        const g = gf[q]!;
        const active = p[q]! > 0;
        gp[q] =
          relu === 'standard'
            ? active
              ? g
              : 0
            : relu === 'guided'
              ? active && g > 0
                ? g
                : 0
              : Math.max(g, 0);
      }
      if (wrt === 'pre') return gp;
      if (wrt !== 'input') throw new FvError('UNKNOWN_TENSOR', `no gradient for ${wrt}`);
      const gx = new Float32Array(c * h * w);
      for (let k = 0; k < kChannels; k++) {
        const src = k % c;
        for (let i = 0; i < fh; i++) {
          for (let j = 0; j < fw; j++) {
            const v = (gp[k * area + i * fw + j]! * (k + 1)) / 4;
            for (let dy = 0; dy < 2; dy++) {
              for (let dx = 0; dx < 2; dx++) gx[src * h * w + (2 * i + dy) * w + 2 * j + dx]! += v;
            }
          }
        }
      }
      return gx;
    },
  };
  return model;
}

/**
 * The parts of a signed saliency map by definition: M = |S|, M⁺ = max(S, 0), M⁻ = −min(S, 0)
 * (what @fv/viz's `sign` option draws).
 */
export function signParts(map: {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}) {
  const part = (f: (v: number) => number) => ({
    data: Float32Array.from(map.data, f),
    width: map.width,
    height: map.height,
  });
  return {
    absolute: part(Math.abs),
    positive: part((v) => Math.max(v, 0)),
    negative: part((v) => (v < 0 ? -v : 0)),
  };
}

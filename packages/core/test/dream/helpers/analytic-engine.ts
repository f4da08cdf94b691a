// Engines with closed-form gradients, for testing the dream schedulers without a model.
import type { Engine, GradientOptions, Objective, Tensor } from '@fv/core';

export interface AnalyticModel {
  /** Objective value of an input. */
  value(x: Tensor, objective: Objective, options?: GradientOptions): number;
  /** Gradient of the value with respect to the input. */
  gradient(x: Tensor, objective: Objective, options?: GradientOptions): Float32Array;
  /** Forward tensors by name (for guided dreaming). */
  forward?(x: Tensor, name: string): Tensor;
}

export interface AnalyticEngine extends Engine {
  /** Every gradient call: the input (copied), objective and options. */
  readonly calls: { input: Tensor; objective: Objective; options: GradientOptions | undefined }[];
}

/** An engine whose model is `model`; input dims as given (numbers fix them, strings free them). */
export function analyticEngine(
  model: AnalyticModel,
  dims: readonly (number | string)[] = [1, 3, 'h', 'w'],
): AnalyticEngine {
  const calls: AnalyticEngine['calls'] = [];
  return {
    calls,
    info: {
      inputs: [{ name: 'input', type: 'float32', dims }],
      outputs: [{ name: 'logits', type: 'float32', dims: [1, 10] }],
      layers: [],
      backend: 'analytic',
    },
    async forward(input, options) {
      const out: Record<string, Tensor> = {};
      for (const name of options?.outputs ?? []) {
        if (!model.forward) throw new Error('no forward');
        out[name] = model.forward(input, name);
      }
      return out;
    },
    async gradient(input, objective, options) {
      if (options?.signal?.aborted) throw new Error('engine saw an aborted signal');
      const fixed = dims.slice(2).every((d) => typeof d === 'number');
      if (fixed && (input.dims[2] !== dims[2] || input.dims[3] !== dims[3])) {
        throw new Error(`fixed-size engine got [${input.dims.join(', ')}]`);
      }
      calls.push({
        input: { data: new Float32Array(input.data), dims: [...input.dims] },
        objective,
        options,
      });
      return {
        value: model.value(input, objective, options),
        gradients: {
          input: { data: model.gradient(input, objective, options), dims: [...input.dims] },
        },
        kept: {},
      };
    },
    async dispose() {},
  };
}

/** ½‖x‖²: gradient x. */
export const halfSquareNorm: AnalyticModel = {
  value: (x) => x.data.reduce((s, v) => s + 0.5 * v * v, 0),
  gradient: (x) => new Float32Array(x.data),
};

/** Σ w(c, y, x)·x with a weight that depends on position only through a fixed function. */
export function linearModel(weight: (c: number, y: number, x: number) => number): AnalyticModel {
  const w = (t: Tensor) => {
    const [, c = 1, h = 1, wd = 1] = t.dims;
    const out = new Float32Array(t.data.length);
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < wd; x++) out[ch * h * wd + y * wd + x] = weight(ch, y, x);
    return out;
  };
  return {
    value: (x) => {
      const ww = w(x);
      return x.data.reduce((s, v, i) => s + v * (ww[i] as number), 0);
    },
    gradient: w,
  };
}

/** Σ f(x) pointwise, f(v) = sin(v) + v³/3: gradient cos(v) + v² (no receptive field at all). */
export const pointwiseModel: AnalyticModel = {
  value: (x) => x.data.reduce((s, v) => s + Math.sin(v) + v ** 3 / 3, 0),
  gradient: (x) => x.data.map((v) => Math.cos(v) + v * v),
};

export function randomImage(dims: readonly number[], seed: number, lo = -1, hi = 1): Tensor {
  let s = seed >>> 0 || 1;
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return { data, dims: [...dims] };
}

/** Asserts |actual[i] − expected(i)| < 10^-digits / 2 for every i (like toBeCloseTo). */
export function expectAllClose(
  actual: ArrayLike<number> | undefined,
  expected: (i: number) => number,
  digits = 5,
): void {
  if (!actual) throw new Error('no data');
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs((actual[i] as number) - expected(i));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  if (!(worst < 10 ** -digits / 2)) {
    throw new Error(`element ${at}: ${actual[at]} vs ${expected(at)} (difference ${worst})`);
  }
}

// Gradient checks against central finite differences of the forward objective, along random
// directions: <g, v> ≈ (f(x + εv) − f(x − εv)) / 2ε. float32 forward passes limit the accuracy,
// so ε is around 1e-2 of the input scale and inputs are kept away from kinks by the caller.
import type { Objective, ReluMode } from '@fv/core';
import {
  buildGradientModel,
  type GradientModel,
  type GradientModelOptions,
} from '../../src/index.js';
import { randomArray } from './onnx-model.js';
import { run } from './ort.js';

export interface GradCheckOptions {
  objective: Objective;
  input: { name: string; data: Float32Array; dims: number[] };
  /** Seed values for a logit objective (defaults to random). */
  seed?: Float32Array;
  directions?: number;
  eps?: number;
  relu?: ReluMode;
  extraFeeds?: Record<string, { data: Float32Array; dims: number[] }>;
  /**
   * Directions to probe. `random`: dense random vectors. `patch`: random values on one random
   * 6×6 patch per direction (crosses few ReLU kinks, so deep nets can be checked). The gradient's
   * own direction is always probed first: there the derivative is ‖g‖, large against float noise.
   * @defaultValue 'random'
   */
  directionKind?: 'random' | 'patch';
  /** Passed to buildGradientModel. */
  inputShapes?: Record<string, number[]>;
  observedShapes?: Record<string, number[]>;
  /** Backend tuning options, passed to buildGradientModel. */
  tuning?: Pick<GradientModelOptions, 'precomputeWeights' | 'convMasks'>;
}

export interface GradCheckResult {
  gm: GradientModel;
  gradient: Float32Array;
  value: number;
  /** Per direction: analytic <g, v> and numerical estimate. */
  pairs: { analytic: number; numeric: number }[];
  /** max |analytic − numeric| / max(1e-3, |numeric|, ‖g‖·‖v‖·1e-3) over directions. */
  worstRelError: number;
  /** Relative error of the directional derivative along the gradient itself (should be ‖g‖). */
  alongGradientError: number;
  /**
   * max over the other directions of |analytic − numeric| / (‖g restricted to v's support‖·‖v‖):
   * scale-free; a wrong gradient on that support gives about 1, float noise a few 1e-3.
   */
  worstNormalizedError: number;
}

export async function gradCheck(model: Uint8Array, o: GradCheckOptions): Promise<GradCheckResult> {
  const gm = buildGradientModel(model, {
    objective: o.objective,
    wrt: [o.input.name],
    ...(o.relu ? { relu: o.relu } : {}),
    ...(o.inputShapes ? { inputShapes: o.inputShapes } : {}),
    ...(o.observedShapes ? { observedShapes: o.observedShapes } : {}),
    ...o.tuning,
  });
  const feeds: Record<string, { data: Float32Array; dims: readonly number[] }> = {
    ...(o.extraFeeds ?? {}),
  };
  let seedDims: readonly number[] | undefined;
  if (gm.seedInput) {
    // Learn the seed shape from a forward run of the original model.
    const out = o.objective.kind === 'logit' ? o.objective.output : '';
    const fwd = await run(model, { [o.input.name]: o.input, ...(o.extraFeeds ?? {}) }, [out]);
    seedDims = fwd[out]!.dims;
    const n = fwd[out]!.data.length;
    feeds[gm.seedInput] = { data: o.seed ?? randomArray(n, 99), dims: seedDims };
  }
  const valueAt = async (x: Float32Array): Promise<number> => {
    const r = await run(gm.bytes, { ...feeds, [o.input.name]: { data: x, dims: o.input.dims } }, [
      gm.valueOutput,
    ]);
    return r[gm.valueOutput]!.data.reduce((a, b) => a + b, 0);
  };
  const res = await run(gm.bytes, { ...feeds, [o.input.name]: o.input }, [
    gm.valueOutput,
    gm.gradientOutputs[o.input.name]!,
  ]);
  const gradient = res[gm.gradientOutputs[o.input.name]!]!.data;
  const value = res[gm.valueOutput]!.data.reduce((a, b) => a + b, 0);
  const eps = o.eps ?? 1e-2;
  const pairs: { analytic: number; numeric: number }[] = [];
  let worst = 0;
  const norm = (a: Float32Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
  const gNorm = norm(gradient);
  const dims = o.input.dims;
  const directions: Float32Array[] = [gradient.map((x) => x / (gNorm || 1))];
  for (let d = 0; d < (o.directions ?? 3); d++) {
    const v = randomArray(o.input.data.length, 1000 + d);
    if (o.directionKind === 'patch' && dims.length === 4) {
      const [, c, h, w] = dims as [number, number, number, number];
      const y0 = Math.floor((((d * 7919) % 97) / 97) * (h - 6));
      const x0 = Math.floor((((d * 104729) % 89) / 89) * (w - 6));
      for (let i = 0; i < v.length; i++) {
        const y = Math.floor(i / w) % h;
        const x = i % w;
        if (y < y0 || y >= y0 + 6 || x < x0 || x >= x0 + 6) v[i] = 0;
      }
      void c;
    }
    directions.push(v);
  }
  let alongGradientError = 0;
  let worstNormalizedError = 0;
  for (const [k, v] of directions.entries()) {
    const vNorm = norm(v);
    const plus = o.input.data.map((x, i) => x + eps * v[i]!);
    const minus = o.input.data.map((x, i) => x - eps * v[i]!);
    const numeric = ((await valueAt(plus)) - (await valueAt(minus))) / (2 * eps);
    let analytic = 0;
    for (let i = 0; i < v.length; i++) analytic += gradient[i]! * v[i]!;
    pairs.push({ analytic, numeric });
    const scale = Math.max(1e-3, Math.abs(numeric), gNorm * vNorm * 1e-3);
    worst = Math.max(worst, Math.abs(analytic - numeric) / scale);
    if (k === 0)
      alongGradientError = Math.abs(analytic - numeric) / Math.max(1e-6, Math.abs(numeric));
    else {
      let support = 0;
      for (let i = 0; i < v.length; i++) if (v[i] !== 0) support += gradient[i]! * gradient[i]!;
      worstNormalizedError = Math.max(
        worstNormalizedError,
        Math.abs(analytic - numeric) / Math.max(1e-12, Math.sqrt(support) * vNorm),
      );
    }
  }
  return {
    gm,
    gradient,
    value,
    pairs,
    worstRelError: worst,
    alongGradientError,
    worstNormalizedError,
  };
}

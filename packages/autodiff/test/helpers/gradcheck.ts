// Gradient checks against central finite differences of the forward objective, along random
// directions: <g, v> ≈ (f(x + εv) − f(x − εv)) / 2ε. float32 forward passes limit the accuracy,
// so ε is around 1e-2 of the input scale and inputs are kept away from kinks by the caller.
import type { Objective, ReluMode } from '@fv/core';
import { buildGradientModel, type GradientModel } from '../../src/index.js';
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
}

export interface GradCheckResult {
  gm: GradientModel;
  gradient: Float32Array;
  value: number;
  /** Per direction: analytic <g, v> and numerical estimate. */
  pairs: { analytic: number; numeric: number }[];
  /** max |analytic − numeric| / max(1e-3, |numeric|, ‖g‖·‖v‖·1e-3) over directions. */
  worstRelError: number;
}

export async function gradCheck(model: Uint8Array, o: GradCheckOptions): Promise<GradCheckResult> {
  const gm = buildGradientModel(model, {
    objective: o.objective,
    wrt: [o.input.name],
    ...(o.relu ? { relu: o.relu } : {}),
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
  const gNorm = Math.hypot(...gradient);
  for (let d = 0; d < (o.directions ?? 3); d++) {
    const v = randomArray(o.input.data.length, 1000 + d);
    const vNorm = Math.hypot(...v);
    const plus = o.input.data.map((x, i) => x + eps * v[i]!);
    const minus = o.input.data.map((x, i) => x - eps * v[i]!);
    const numeric = ((await valueAt(plus)) - (await valueAt(minus))) / (2 * eps);
    let analytic = 0;
    for (let i = 0; i < v.length; i++) analytic += gradient[i]! * v[i]!;
    pairs.push({ analytic, numeric });
    const scale = Math.max(1e-3, Math.abs(numeric), gNorm * vNorm * 1e-3);
    worst = Math.max(worst, Math.abs(analytic - numeric) / scale);
  }
  return { gm, gradient, value, pairs, worstRelError: worst };
}

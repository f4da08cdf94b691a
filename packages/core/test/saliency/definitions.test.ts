// The saliency definitions of issue 5, checked exactly on analytic models.
import { describe, expect, it } from 'vitest';
import { resizeMap, saliency, type Tensor } from '../../src/index.js';
import {
  analyticEngine,
  camModel,
  fixedArray,
  linearModel,
  quadraticModel,
  signParts,
} from './analytic-engines.js';

const input = (c: number, h: number, w: number, seed = 11): Tensor => ({
  data: fixedArray(c * h * w, seed),
  dims: [1, c, h, w],
});

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('vanilla saliency (definitions)', () => {
  it('M = max over channels of |g|, S = signed g of that channel', async () => {
    const [c, h, w] = [3, 5, 4];
    const model = linearModel(c, h, w, 6);
    const engine = analyticEngine(model);
    const target = 4;
    const r = await saliency(engine, input(c, h, w), { method: 'vanilla', target });
    const size = c * h * w;
    const g = model.weights.subarray(target * size, (target + 1) * size);
    expect(Array.from(r.gradient!.data)).toEqual(Array.from(g));
    expect(signParts(r.map).absolute.width).toBe(w);
    expect(signParts(r.map).absolute.height).toBe(h);
    for (let p = 0; p < h * w; p++) {
      const values = [0, 1, 2].map((ch) => g[ch * h * w + p]!);
      const best = values.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
      expect(signParts(r.map).absolute.data[p]).toBe(Math.max(...values.map(Math.abs)));
      expect(signParts(r.map).positive.data[p]).toBe(Math.max(best, 0));
      expect(signParts(r.map).negative.data[p]).toBe(best < 0 ? -best : 0);
    }
    expect(r.target).toBe(target);
    expect(r.score).toBeCloseTo(model.forward(input(c, h, w).data).logits![target]!, 5);
  });

  it('grayscale: M = |∂score/∂I₀|', async () => {
    const model = linearModel(1, 6, 6, 3);
    const r = await saliency(analyticEngine(model), input(1, 6, 6), {
      method: 'vanilla',
      target: 2,
    });
    const g = model.weights.subarray(2 * 36, 3 * 36);
    expect(Array.from(signParts(r.map).absolute.data)).toEqual(Array.from(g, Math.abs));
    expect(Array.from(signParts(r.map).positive.data)).toEqual(
      Array.from(g, (v) => Math.max(v, 0)),
    );
  });

  it('NHWC models: the channel axis is the last one (maps and occlusion)', async () => {
    // The linear model treats the input as a flat vector, so it serves either layout.
    const [c, h, w] = [3, 4, 5];
    const model = linearModel(c, h, w, 2);
    const engine = analyticEngine(model, { layout: 'NHWC' });
    const x: Tensor = { data: fixedArray(c * h * w, 5), dims: [1, h, w, c] };
    const r = await saliency(engine, x, { method: 'vanilla', target: 0 });
    const g = model.weights;
    for (let p = 0; p < h * w; p++) {
      const values = [0, 1, 2].map((ch) => g[p * c + ch]!);
      expect(signParts(r.map).absolute.data[p]).toBe(Math.max(...values.map(Math.abs)));
    }
    const occ = await saliency(engine, x, {
      method: 'occlusion',
      target: 0,
      window: 1,
      stride: 1,
      baseline: 0,
    });
    expect(occ.attribution.dims).toEqual([1, h, w, 1]);
    for (let p = 0; p < h * w; p++) {
      let expected = 0;
      for (let ch = 0; ch < c; ch++) expected += g[p * c + ch]! * x.data[p * c + ch]!;
      expect(occ.attribution.data[p]).toBeCloseTo(expected, 5);
    }
  });

  it("target 'top' picks the argmax logit", async () => {
    const model = linearModel(3, 4, 4, 7);
    const x = input(3, 4, 4);
    const logits = model.forward(x.data).logits!;
    const top = logits.indexOf(Math.max(...logits));
    const r = await saliency(analyticEngine(model), x, { method: 'vanilla', target: 'top' });
    expect(r.target).toBe(top);
  });

  it('probability score: gradient of softmax(z)[c] = Σ_k p_c (δ_ck − p_k) ∂z_k/∂x', async () => {
    const [c, h, w, k] = [3, 3, 3, 4];
    const model = linearModel(c, h, w, k);
    const x = input(c, h, w);
    const z = model.forward(x.data).logits!;
    const e = Array.from(z, (v) => Math.exp(v));
    const sum = e.reduce((a, b) => a + b);
    const p = e.map((v) => v / sum);
    const target = 1;
    const size = c * h * w;
    const expected = new Float64Array(size);
    for (let cls = 0; cls < k; cls++) {
      const s = p[target]! * ((cls === target ? 1 : 0) - p[cls]!);
      for (let j = 0; j < size; j++) expected[j]! += s * model.weights[cls * size + j]!;
    }
    const r = await saliency(analyticEngine(model), x, {
      method: 'vanilla',
      target,
      score: 'probability',
    });
    expect(r.score).toBeCloseTo(p[target]!, 6);
    expect(maxAbsDiff(r.gradient!.data, expected)).toBeLessThan(1e-6);
  });

  it('gradient × input is g ⊙ x', async () => {
    const model = quadraticModel(3, 4, 4, 2);
    const x = input(3, 4, 4);
    const r = await saliency(analyticEngine(model), x, { method: 'gradient-x-input', target: 1 });
    const g = model.backward(x.data, Float32Array.of(0, 1), 'input', 'standard');
    expect(Array.from(r.attribution.data)).toEqual(
      Array.from(g, (v, i) => Math.fround(v * x.data[i]!)),
    );
  });
});

describe('SmoothGrad', () => {
  it('σ = 0 equals vanilla exactly', async () => {
    const model = quadraticModel(3, 4, 5, 3);
    const engine = analyticEngine(model);
    const x = input(3, 4, 5);
    const vanilla = await saliency(engine, x, { method: 'vanilla', target: 2 });
    const smooth = await saliency(engine, x, {
      method: 'smoothgrad',
      target: 2,
      sigma: 0,
      samples: 7,
      batchSize: 3,
    });
    expect(Array.from(smooth.attribution.data)).toEqual(Array.from(vanilla.gradient!.data));
    expect(Array.from(signParts(smooth.map).absolute.data)).toEqual(
      Array.from(signParts(vanilla.map).absolute.data),
    );
  });

  it('on a linear model: mean = g, SmoothGrad² = g², VarGrad = 0', async () => {
    const model = linearModel(3, 4, 4, 2);
    const engine = analyticEngine(model);
    const x = input(3, 4, 4);
    const g = model.weights.subarray(48, 96);
    const opts = { method: 'smoothgrad', target: 1, samples: 9, sigma: 0.3 } as const;
    const mean = await saliency(engine, x, opts);
    expect(Array.from(mean.attribution.data)).toEqual(Array.from(g));
    const squared = await saliency(engine, x, { ...opts, variant: 'squared' });
    expect(
      maxAbsDiff(
        squared.attribution.data,
        Array.from(g, (v) => v * v),
      ),
    ).toBeLessThan(1e-7);
    const variance = await saliency(engine, x, { ...opts, variant: 'variance' });
    expect(maxAbsDiff(variance.attribution.data, new Float32Array(48))).toBeLessThan(1e-7);
  });

  it('on a quadratic model VarGrad ≈ (2a · σ·range)² (noise level relative to the input range)', async () => {
    // logits = a x² + b x in one element per class: Var[2a(x + ε) + b] = 4a²σ².
    const a = 0.75;
    const model = {
      channels: 1,
      height: 2,
      width: 2,
      classes: 1,
      forward: (x: Float32Array) => ({
        logits: Float32Array.of(x.reduce((s, v) => s + a * v * v, 0)),
      }),
      backward: (x: Float32Array, seed: Float32Array) => x.map((v) => seed[0]! * 2 * a * v),
    };
    const x: Tensor = { data: Float32Array.of(0, 1, 2, 4), dims: [1, 1, 2, 2] };
    const sigma = 0.1;
    const r = await saliency(analyticEngine(model), x, {
      method: 'smoothgrad',
      target: 0,
      variant: 'variance',
      sigma,
      samples: 4000,
      seed: 3,
    });
    const expected = (2 * a * sigma * 4) ** 2;
    for (const v of r.attribution.data) expect(v / expected).toBeCloseTo(1, 0);
  });
});

describe('integrated gradients', () => {
  it('is exact on a linear model: attribution = (x − x′) ⊙ w, gap ≈ 0', async () => {
    const model = linearModel(3, 4, 4, 2);
    const x = input(3, 4, 4);
    const r = await saliency(analyticEngine(model), x, {
      method: 'integrated-gradients',
      target: 0,
      steps: 4,
      baseline: 'black',
    });
    const expected = Array.from(x.data, (v, j) => v * model.weights[j]!);
    expect(maxAbsDiff(r.attribution.data, expected)).toBeLessThan(1e-6);
    expect(Math.abs(r.completeness!.gap)).toBeLessThan(1e-5);
  });

  it('midpoint and trapezoid rules are exact on a quadratic model (the integrand is linear)', async () => {
    const model = quadraticModel(3, 4, 4, 2);
    const engine = analyticEngine(model);
    const x = input(3, 4, 4);
    for (const rule of ['riemann-middle', 'trapezoid'] as const) {
      for (const baseline of ['black', 'uniform', 'blurred'] as const) {
        const r = await saliency(engine, x, {
          method: 'integrated-gradients',
          target: 1,
          steps: 3,
          rule,
          baseline,
        });
        const c = r.completeness!;
        expect(Math.abs(c.gap)).toBeLessThan(1e-4 * (1 + Math.abs(c.attributionSum)));
        expect(c.scoreAtInput - c.scoreAtBaseline).not.toBe(0);
      }
    }
  });

  it('Riemann end-point sums converge: the gap shrinks like 1/steps', async () => {
    const model = quadraticModel(3, 4, 4, 2);
    const engine = analyticEngine(model);
    const x = input(3, 4, 4);
    const gap = async (steps: number, rule: 'riemann-left' | 'riemann-right') =>
      (await saliency(engine, x, { method: 'integrated-gradients', target: 0, steps, rule }))
        .completeness!.gap;
    const [g10, g100] = [await gap(10, 'riemann-right'), await gap(100, 'riemann-right')];
    expect(Math.abs(g10)).toBeGreaterThan(1e-3);
    expect(Math.abs(g100 / g10)).toBeCloseTo(0.1, 2);
    // Left and right sums err in opposite directions by the same amount.
    expect(await gap(10, 'riemann-left')).toBeCloseTo(-g10, 4);
  });

  it('with probability scores the gap vanishes as steps grow (batched per-sample seeds)', async () => {
    const model = linearModel(3, 4, 4, 3);
    const engine = analyticEngine(model);
    const x: Tensor = { data: fixedArray(48, 8, 0, 3), dims: [1, 3, 4, 4] };
    const gap = async (steps: number) => {
      const r = await saliency(engine, x, {
        method: 'integrated-gradients',
        target: 1,
        steps,
        rule: 'trapezoid',
        score: 'probability',
        batchSize: 7,
      });
      const c = r.completeness!;
      expect(c.scoreAtInput).toBeGreaterThan(0);
      expect(c.scoreAtInput).toBeLessThan(1);
      return Math.abs(c.gap);
    };
    const [coarse, fine] = [await gap(4), await gap(64)];
    expect(coarse).toBeGreaterThan(1e-4);
    expect(fine).toBeLessThan(coarse / 50);
  });

  it('uses the normalized black pixel and a custom baseline tensor', async () => {
    const model = linearModel(3, 2, 2, 1);
    const engine = analyticEngine(model);
    const x = input(3, 2, 2);
    const config = { scale: 1 / 255, mean: [0.5, 0.25, 0], std: [0.5, 0.5, 0.25] };
    const r = await saliency(
      engine,
      x,
      { method: 'integrated-gradients', target: 0, steps: 1 },
      config,
    );
    const black = [-1, -0.5, 0];
    const expected = Array.from(
      x.data,
      (v, j) => (v - black[Math.floor(j / 4)]!) * model.weights[j]!,
    );
    expect(maxAbsDiff(r.attribution.data, expected)).toBeLessThan(1e-6);
    const custom: Tensor = { data: new Float32Array(12).fill(0.25), dims: [1, 3, 2, 2] };
    const r2 = await saliency(engine, x, {
      method: 'integrated-gradients',
      target: 0,
      steps: 2,
      baseline: custom,
    });
    const expected2 = Array.from(x.data, (v, j) => (v - 0.25) * model.weights[j]!);
    expect(maxAbsDiff(r2.attribution.data, expected2)).toBeLessThan(1e-6);
  });
});

describe('Grad-CAM family on a model with known activations and weights', () => {
  const [c, h, w, k, classes] = [3, 8, 6, 5, 4];
  const model = camModel(c, h, w, k, classes);
  const x = input(c, h, w, 21);
  const features = model.forward(x.data).features!;
  const area = (h / 2) * (w / 2);
  const dAFor = (cls: number, ch: number, p: number) =>
    model.V[cls * k + ch]! / area + model.U[cls * k * area + ch * area + p]!;
  const camFor = (cls: number): Float64Array => {
    const out = new Float64Array(area);
    for (let ch = 0; ch < k; ch++) {
      let alpha = 0;
      for (let p = 0; p < area; p++) alpha += dAFor(cls, ch, p);
      alpha /= area;
      for (let p = 0; p < area; p++) out[p]! += alpha * features[ch * area + p]!;
    }
    return out;
  };
  // A class whose raw CAM has both signs, so that the ReLU matters.
  const target = Array.from({ length: classes }, (_, cls) => cls).find((cls) => {
    const m = camFor(cls);
    return m.some((v) => v < 0) && m.some((v) => v > 0);
  })!;
  const dA = (ch: number, p: number) => dAFor(target, ch, p);

  it('Grad-CAM = relu(Σ_k mean(∂y/∂A_k) · A_k), upsampled bilinearly, layer chosen automatically', async () => {
    const expected = camFor(target);
    const r = await saliency(analyticEngine(model), x, { method: 'grad-cam', target });
    expect(r.layer).toBe('features');
    expect(
      maxAbsDiff(
        r.cam!.data,
        expected.map((v) => Math.max(v, 0)),
      ),
    ).toBeLessThan(1e-6);
    expect(expected.some((v) => v < 0)).toBe(true);
    const up = resizeMap(r.cam!, w, h);
    expect(Array.from(signParts(r.map).absolute.data)).toEqual(Array.from(up.data));
    const noRelu = await saliency(analyticEngine(model), x, {
      method: 'grad-cam',
      target,
      relu: false,
      layer: 'features',
    });
    expect(maxAbsDiff(noRelu.cam!.data, expected)).toBeLessThan(1e-6);
    expect(signParts(noRelu.map).negative.data.some((v) => v > 0)).toBe(true);
  });

  it('Grad-CAM++ weights: Σ_ij g²/(2g² + ΣA·g³) · relu(g)', async () => {
    const expected = new Float64Array(area);
    for (let ch = 0; ch < k; ch++) {
      let sumA = 0;
      for (let p = 0; p < area; p++) sumA += features[ch * area + p]!;
      let weight = 0;
      for (let p = 0; p < area; p++) {
        const g = Math.fround(dA(ch, p));
        if (g === 0) continue;
        weight += ((g * g) / (2 * g * g + sumA * g ** 3)) * Math.max(g, 0);
      }
      for (let p = 0; p < area; p++) expected[p]! += weight * features[ch * area + p]!;
    }
    const r = await saliency(analyticEngine(model), x, { method: 'grad-cam++', target });
    expect(
      maxAbsDiff(
        r.cam!.data,
        expected.map((v) => Math.max(v, 0)),
      ),
    ).toBeLessThan(1e-5);
  });

  it('guided backprop and deconvnet pass the relu mode; guided Grad-CAM = guided ⊙ upsampled CAM', async () => {
    const engine = analyticEngine(model);
    const seed = new Float32Array(classes);
    seed[target] = 1;
    for (const [method, relu] of [
      ['guided-backprop', 'guided'],
      ['deconvnet', 'deconvnet'],
    ] as const) {
      const r = await saliency(engine, x, { method, target });
      expect(Array.from(r.gradient!.data)).toEqual(
        Array.from(model.backward(x.data, seed, 'input', relu)),
      );
    }
    const cam = await saliency(engine, x, { method: 'grad-cam', target });
    const guided = model.backward(x.data, seed, 'input', 'guided');
    const r = await saliency(engine, x, { method: 'guided-grad-cam', target });
    const expected = Array.from(
      guided,
      (v, j) => v * signParts(cam.map).absolute.data[j % (h * w)]!,
    );
    expect(maxAbsDiff(r.attribution.data, expected)).toBeLessThan(1e-7);
  });

  it('Score-CAM is a non-negative combination of the layer channels (forward passes only)', async () => {
    const engine = analyticEngine(model);
    const r = await saliency(engine, x, { method: 'score-cam', target, relu: false });
    expect(engine.calls.gradient).toBe(0);
    // Softmax weights are positive and sum to 1: the CAM lies between the channel min and max.
    for (let p = 0; p < area; p++) {
      const values = Array.from({ length: k }, (_, ch) => features[ch * area + p]!);
      expect(r.cam!.data[p]).toBeGreaterThanOrEqual(Math.min(...values) - 1e-6);
      expect(r.cam!.data[p]).toBeLessThanOrEqual(Math.max(...values) + 1e-6);
    }
  });
});

describe('occlusion (forward passes only)', () => {
  it('window 1 on a linear model gives Σ_c w_c (x_c − baseline) per pixel', async () => {
    const [c, h, w] = [3, 4, 5];
    const model = linearModel(c, h, w, 2);
    const engine = analyticEngine(model);
    const x = input(c, h, w);
    const r = await saliency(engine, x, {
      method: 'occlusion',
      target: 1,
      window: 1,
      stride: 1,
      baseline: 0.5,
    });
    expect(engine.calls.gradient).toBe(0);
    const size = c * h * w;
    for (let p = 0; p < h * w; p++) {
      let expected = 0;
      for (let ch = 0; ch < c; ch++) {
        const j = ch * h * w + p;
        expected += model.weights[size + j]! * (x.data[j]! - 0.5);
      }
      expect(r.attribution.data[p]).toBeCloseTo(expected, 5);
    }
  });

  it('overlapping windows average the drops of the windows covering each pixel', async () => {
    // 1×1×1×3 input, window 2, stride 1: windows {0,1} and {1,2}.
    const model = linearModel(1, 1, 3, 1);
    const x: Tensor = { data: Float32Array.of(1, 2, 3), dims: [1, 1, 1, 3] };
    const r = await saliency(analyticEngine(model), x, {
      method: 'occlusion',
      target: 0,
      window: 2,
      stride: 1,
      baseline: 0,
    });
    const wt = model.weights;
    const d0 = wt[0]! * 1 + wt[1]! * 2;
    const d1 = wt[1]! * 2 + wt[2]! * 3;
    expect(r.attribution.data[0]).toBeCloseTo(d0, 5);
    expect(r.attribution.data[1]).toBeCloseTo((d0 + d1) / 2, 5);
    expect(r.attribution.data[2]).toBeCloseTo(d1, 5);
  });
});

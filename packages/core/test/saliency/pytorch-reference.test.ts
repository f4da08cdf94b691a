// Saliency methods through @fv/autodiff + onnxruntime-web against PyTorch float64 references
// (tools/saliency_fixtures.py): autograd for the gradient methods, forward passes written from
// Wang et al. 2020 for Score-CAM and from Captum's Occlusion for occlusion.
// Tolerance: max |fv − torch| ≤ 1e-5 · max |torch| (float32 end to end, observed ≤ 5e-7; the
// fixtures keep every ReLU unit ≥ 2e-5 from its kink); occlusion: see its test.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { activations, type SaliencyOptions, saliency, type Tensor } from '../../src/index.js';
import { createOrtEngine, type OrtTestEngine } from '../helpers/ort-engine.js';
import { relativeError } from '../helpers/relative-error.js';

const dir = fileURLToPath(new URL('../../../../test/fixtures/saliency/', import.meta.url));

interface Fixture {
  name: string;
  model: string;
  dims: number[];
  target: number;
  camLayer: string;
  camDims: number[];
  input: number[];
  logits: number[];
  vanilla: number[];
  gradientXInput: number[];
  guidedBackprop: number[];
  deconvnet: number[];
  igSteps: number;
  ig: Record<'riemann-right' | 'trapezoid', { attribution: number[]; gap: number }>;
  gradCam: number[];
  gradCamUpsampled: number[];
  gradCamPlusPlus: number[];
  gradCamPlusPlusUpsampled: number[];
  scoreCam: { logit: { cam: number[]; upsampled: number[] }; probability: { cam: number[] } };
  occlusion: { window: number; stride: number; baseline: number; attribution: number[] }[];
}

const manifest = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as { models: Fixture[] };

const TOLERANCE = 1e-5;

describe.each(manifest.models.map((m) => [m.name, m] as const))('%s vs PyTorch', (_name, fx) => {
  const x: Tensor = { data: Float32Array.from(fx.input), dims: fx.dims };
  const engines: OrtTestEngine[] = [];
  const engine = async () => {
    const e = await createOrtEngine(new Uint8Array(readFileSync(dir + fx.model)), fx.dims);
    engines.push(e);
    return e;
  };
  const run = async (options: SaliencyOptions) => saliency(await engine(), x, options);
  afterAll(async () => {
    for (const e of engines) await e.dispose();
  });

  it('vanilla gradient and its maps', async () => {
    const r = await run({ method: 'vanilla', target: fx.target });
    expect(r.score).toBeCloseTo(fx.logits[fx.target]!, 4);
    expect(relativeError(r.gradient!.data, fx.vanilla)).toBeLessThan(TOLERANCE);
  });

  it('gradient × input', async () => {
    const r = await run({ method: 'gradient-x-input', target: fx.target });
    expect(relativeError(r.attribution.data, fx.gradientXInput)).toBeLessThan(TOLERANCE);
  });

  it.each(['riemann-right', 'trapezoid'] as const)(
    'integrated gradients (black baseline, %s), batched',
    async (rule) => {
      const e = await engine();
      const r = await saliency(e, x, {
        method: 'integrated-gradients',
        target: fx.target,
        steps: fx.igSteps,
        rule,
        baseline: 'black',
        batchSize: 4,
      });
      expect(e.calls.maxBatch).toBe(4);
      expect(relativeError(r.attribution.data, fx.ig[rule].attribution)).toBeLessThan(TOLERANCE);
      expect(r.completeness!.gap).toBeCloseTo(fx.ig[rule].gap, 4);
    },
  );

  it('Grad-CAM at the named layer and at the automatically chosen one', async () => {
    const r = await run({ method: 'grad-cam', target: fx.target, layer: fx.camLayer });
    expect([r.cam!.height, r.cam!.width]).toEqual(fx.camDims);
    expect(relativeError(r.cam!.data, fx.gradCam)).toBeLessThan(TOLERANCE);
    expect(relativeError(r.map.data, fx.gradCamUpsampled)).toBeLessThan(TOLERANCE);
    const auto = await run({ method: 'grad-cam', target: fx.target });
    expect(auto.layer).toBe(fx.camLayer);
  });

  it('Grad-CAM++', async () => {
    const r = await run({ method: 'grad-cam++', target: fx.target, layer: fx.camLayer });
    expect(relativeError(r.cam!.data, fx.gradCamPlusPlus)).toBeLessThan(TOLERANCE);
    expect(relativeError(r.map.data, fx.gradCamPlusPlusUpsampled)).toBeLessThan(TOLERANCE);
  });

  it('guided backpropagation and deconvnet', async () => {
    const guided = await run({ method: 'guided-backprop', target: fx.target });
    expect(relativeError(guided.gradient!.data, fx.guidedBackprop)).toBeLessThan(TOLERANCE);
    const deconv = await run({ method: 'deconvnet', target: fx.target });
    expect(relativeError(deconv.gradient!.data, fx.deconvnet)).toBeLessThan(TOLERANCE);
  });

  it('Score-CAM (logit and probability scores), batched', async () => {
    const e = await engine();
    const r = await saliency(e, x, { method: 'score-cam', target: fx.target, layer: fx.camLayer });
    expect(e.calls.gradient).toBe(0);
    expect([r.cam!.height, r.cam!.width]).toEqual(fx.camDims);
    expect(relativeError(r.cam!.data, fx.scoreCam.logit.cam)).toBeLessThan(TOLERANCE);
    expect(relativeError(r.map.data, fx.scoreCam.logit.upsampled)).toBeLessThan(TOLERANCE);
    const p = await saliency(e, x, {
      method: 'score-cam',
      target: fx.target,
      layer: fx.camLayer,
      score: 'probability',
      batchSize: 3,
    });
    expect(relativeError(p.cam!.data, fx.scoreCam.probability.cam)).toBeLessThan(TOLERANCE);
  });

  it.each(fx.occlusion)(
    'occlusion as Captum (window $window, stride $stride, baseline $baseline)',
    async ({ window, stride, baseline, attribution }) => {
      const r = await run({ method: 'occlusion', target: fx.target, window, stride, baseline });
      // A drop f(x) − f(x occluded) is a difference of two float32 logits, so its rounding error
      // scales with the logit, not with the drop (these windows move the logit by 1–8 %): the
      // tolerance is 1e-5 of max(max |drop|, |f(x)|) (observed ≤ 1.8e-7; 1.5e-5 of max |drop|).
      const scale = Math.max(...attribution.map(Math.abs));
      const score = Math.abs(fx.logits[fx.target]!);
      const error =
        (relativeError(r.attribution.data, attribution) * scale) / Math.max(scale, score);
      expect(error).toBeLessThan(TOLERANCE);
    },
  );

  it('forward-only methods and activations run on the real engine', async () => {
    const e = await engine();
    const occ = await saliency(e, x, { method: 'occlusion', target: fx.target, window: 4 });
    const sc = await saliency(e, x, { method: 'score-cam', target: fx.target });
    expect(e.calls.gradient).toBe(0);
    expect(occ.map.data.every(Number.isFinite)).toBe(true);
    expect(sc.cam!.data.some((v) => v > 0)).toBe(true);
    const act = await activations(e, x, { layer: fx.camLayer, topK: 3 });
    expect(act.activation.dims.slice(2)).toEqual(fx.camDims);
    expect(act.top).toHaveLength(3);
    expect(act.top[0]!.mean).toBeGreaterThanOrEqual(act.top[2]!.mean);
  });
});

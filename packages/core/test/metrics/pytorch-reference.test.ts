// Metrics and RISE through @fv/autodiff + onnxruntime-web against tools/metrics_fixtures.py:
// deletion/insertion against a NumPy implementation of the RISE authors' CausalMetric on the same
// ordering (every step image bit for bit, scores within float32 forward precision), infidelity and
// max-sensitivity against Captum's code with the same perturbations fed in (to 1e-5), RISE against
// the authors' mask generation (scikit-image resize) with the same draws. All on small_cnn of the
// saliency fixtures. Observed: curves ≤ 9e-8, infidelity ≤ 8e-7, sensitivity ≤ 3e-7 and the RISE
// map ≤ 8e-8 relative (float32 onnxruntime against float64 PyTorch); RISE masks ≤ 5e-10.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { gaussianBlur } from '../../src/image/filter.js';
import {
  type Baseline,
  createRng,
  type Engine,
  evaluate,
  saliency,
  type Tensor,
} from '../../src/index.js';
import { drawRiseMask, riseGeometry } from '../../src/saliency/rise.js';
import { createOrtEngine, type OrtTestEngine } from '../helpers/ort-engine.js';
import { relativeError } from '../helpers/relative-error.js';

const fixtures = fileURLToPath(new URL('../../../../test/fixtures/', import.meta.url));
const read = (path: string) => JSON.parse(readFileSync(fixtures + path, 'utf8'));

interface SaliencyFixture {
  name: string;
  dims: number[];
  target: number;
  input: number[];
  vanilla: number[];
}
const fx = (read('saliency/manifest.json') as { models: SaliencyFixture[] }).models.find(
  (m) => m.name === 'small_cnn',
)!;
const manifest = read('metrics/manifest.json');
const x: Tensor = { data: Float32Array.from(fx.input), dims: fx.dims };
const [, , h, w] = fx.dims as [number, number, number, number];

const engines: OrtTestEngine[] = [];
async function engine(): Promise<OrtTestEngine> {
  const e = await createOrtEngine(
    new Uint8Array(readFileSync(`${fixtures}saliency/small_cnn.onnx`)),
    fx.dims,
  );
  engines.push(e);
  return e;
}
afterAll(async () => {
  for (const e of engines) await e.dispose();
});

/** Wraps an engine and records the SHA-256 of every batch item it is asked to run forward. */
function hashing(inner: Engine): Engine & { hashes: string[] } {
  const hashes: string[] = [];
  return {
    hashes,
    info: inner.info,
    async forward(input, options) {
      const size = input.data.length / input.dims[0]!;
      for (let i = 0; i < input.dims[0]!; i++) {
        const item = input.data.slice(i * size, (i + 1) * size);
        hashes.push(createHash('sha256').update(new Uint8Array(item.buffer)).digest('hex'));
      }
      return inner.forward(input, options);
    },
    gradient: (input, objective, options) => inner.gradient(input, objective, options),
    dispose: () => inner.dispose(),
  };
}

describe('the fixtures draw fv’s random numbers', () => {
  it('tools/metrics_fixtures.py mirrors createRng exactly', () => {
    const rng = createRng(manifest.rng.seed);
    expect(Array.from({ length: 6 }, () => rng.next())).toEqual(manifest.rng.next);
    const normals = Array.from({ length: 4 }, () => rng.normal());
    expect(relativeError(normals, manifest.rng.normal)).toBeLessThan(1e-15);
  });
});

describe('deletion and insertion vs the RISE authors’ CausalMetric in NumPy', () => {
  const d = manifest.deletion;
  const map = { data: Float32Array.from(d.map as number[]), width: w, height: h };
  const baselines: Record<string, Baseline> = {
    black: 'black',
    mean: 'mean',
    given: { data: Float32Array.from(d.givenBaseline as number[]), dims: fx.dims },
  };

  it.each(
    d.cases as {
      metric: 'deletion' | 'insertion';
      baseline: string;
      pixelsPerStep: number;
      hashes: string[];
      scores: number[];
      auc: number;
    }[],
  )('$metric to $baseline, $pixelsPerStep pixels per step', async (c) => {
    const e = hashing(await engine());
    const r = await evaluate(e, x, {
      metric: c.metric,
      target: fx.target,
      map,
      baseline: baselines[c.baseline]!,
      pixelsPerStep: c.pixelsPerStep,
      batchSize: 5,
    });
    // The first hash is the context's forward pass at the input.
    expect(e.hashes.slice(1)).toEqual(c.hashes);
    expect(r.score).toBe('probability');
    expect(Array.from(r.fractions)).toEqual(c.scores.map((_, k) => k / (c.scores.length - 1)));
    expect(relativeError(r.scores, c.scores)).toBeLessThan(1e-5);
    expect(Math.abs(r.auc - c.auc)).toBeLessThan(1e-5 * Math.abs(c.auc));
  });

  it('the blur baseline is SciPy’s gaussian_filter (nearest edges, truncated at 3σ)', () => {
    const blurred = gaussianBlur(x, d.blur.sigma, 'NCHW');
    expect(relativeError(blurred.data, d.blur.blurred)).toBeLessThan(1e-6);
  });
});

describe('infidelity vs Captum’s infidelity, same perturbations', () => {
  const inf = manifest.infidelity;
  const attributions: Record<string, Tensor> = {
    vanilla: { data: Float32Array.from(fx.vanilla), dims: fx.dims },
    gradientXInput: {
      data: Float32Array.from(fx.vanilla, (g, i) => g * x.data[i]!),
      dims: fx.dims,
    },
    oneChannel: { data: Float32Array.from(inf.oneChannel as number[]), dims: [1, 1, h, w] },
  };

  it.each(inf.cases as { attribution: string; normalize: boolean; value: number }[])(
    '$attribution, normalize $normalize',
    async (c) => {
      const e = await engine();
      const options = {
        metric: 'infidelity' as const,
        target: fx.target,
        attribution: attributions[c.attribution]!,
        normalize: c.normalize,
        batchSize: 4,
      };
      // fv's own seeded draws (the fixture drew the same) …
      const drawn = await evaluate(e, x, {
        ...options,
        std: inf.std,
        samples: inf.samples,
        seed: inf.seed,
      });
      expect(drawn.samples).toBe(inf.samples);
      expect(Math.abs(drawn.value - c.value)).toBeLessThan(1e-5 * c.value);
      // … and the same perturbations passed explicitly, as Captum's perturb_func.
      const rng = createRng(inf.seed);
      const size = x.data.length;
      const perturbations = Array.from({ length: inf.samples }, () => ({
        data: Float32Array.from({ length: size }, () => inf.std * rng.normal()),
        dims: fx.dims,
      }));
      expect(Array.from(perturbations[0]!.data.slice(0, 8))).toEqual(
        (inf.firstPerturbation as number[]).map(Math.fround),
      );
      const given = await evaluate(e, x, { ...options, perturbations });
      expect(given.value).toBe(drawn.value);
    },
  );
});

describe('max-sensitivity vs Captum’s sensitivity_max, same perturbations', () => {
  const sens = manifest.sensitivity;
  it.each(
    sens.cases as {
      method: 'vanilla' | 'gradient-x-input';
      norm: 'fro' | 'inf';
      sensitivities: number[];
      value: number;
    }[],
  )('$method, $norm norm', async (c) => {
    const r = await evaluate(await engine(), x, {
      metric: 'sensitivity',
      target: fx.target,
      saliency: { method: c.method, target: 'top' },
      radius: sens.radius,
      samples: sens.samples,
      seed: sens.seed,
      norm: c.norm,
    });
    expect(relativeError(r.sensitivities, c.sensitivities)).toBeLessThan(1e-5);
    expect(Math.abs(r.value - c.value)).toBeLessThan(1e-5 * c.value);
  });
});

describe('RISE vs the authors’ generate_masks and forward', () => {
  const rise = manifest.rise;

  it('draws the authors’ masks (scikit-image bilinear resize, mirrored edges, random shift)', () => {
    const geometry = riseGeometry(rise.cells, w, h);
    const rng = createRng(rise.seed);
    const masks = [0, 1].flatMap((_) => Array.from(drawRiseMask(geometry, rise.keep, rng)));
    expect(relativeError(masks, rise.firstMasks)).toBeLessThan(1e-6);
    const other = rise.nonSquare;
    const g2 = riseGeometry(other.cells, other.width, other.height);
    const rng2 = createRng(other.seed);
    const masks2 = [0, 1, 2].flatMap((_) => Array.from(drawRiseMask(g2, other.keep, rng2)));
    expect(relativeError(masks2, other.masks)).toBeLessThan(1e-6);
  });

  it('gives the authors’ saliency (probability scores), batched, forward passes only', async () => {
    const e = await engine();
    const r = await saliency(e, x, {
      method: 'rise',
      target: fx.target,
      masks: rise.masks,
      cells: rise.cells,
      keep: rise.keep,
      seed: rise.seed,
      batchSize: 16,
    });
    expect(e.calls.gradient).toBe(0);
    expect(e.calls.maxBatch).toBe(16);
    expect(r.attribution.dims).toEqual([1, 1, h, w]);
    expect(relativeError(r.attribution.data, rise.saliency)).toBeLessThan(1e-5);
    expect(Array.from(r.map.data)).toEqual(Array.from(r.attribution.data));
  });
});

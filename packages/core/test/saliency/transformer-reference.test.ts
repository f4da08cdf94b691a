// The transformer methods through @fv/autodiff + onnxruntime-web against PyTorch float64
// references written from the authors' code (tools/vit_saliency_fixtures.py): attention rollout as
// jacobgil/vit-explain computes it, Chefer et al.'s generic relevance, pytorch-grad-cam's ViT
// Grad-CAM. Models: the committed default ViT (class token), a DeiT-style ViT (class and
// distillation tokens, LayerNorm decomposed at opset 13) and a mean-pooled ViT without extra tokens.
// Tolerance: relative L2 ≤ 1e-4 (float32 end to end; observed far below).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadMatrixModel,
  matrixCases,
  matrixInput,
} from '../../../../test/helpers/matrix-goldens.js';
import {
  type AttentionToken,
  activations,
  FvError,
  resizeMap,
  saliency,
  type Tensor,
} from '../../src/index.js';
import { selectLayer } from '../../src/saliency/cam.js';
import { createOrtEngine, type OrtTestEngine } from '../helpers/ort-engine.js';
import { decodePngRgba } from '../helpers/png.js';

const dir = fileURLToPath(new URL('../../../../test/fixtures/vit-saliency/', import.meta.url));
const heldout = fileURLToPath(new URL('../../../../models/default/heldout/', import.meta.url));

type Map = number[];
interface Case {
  image: string;
  logits: number[];
  target: number;
  rollout: {
    headFusion: 'mean' | 'max' | 'min';
    discardRatio: number;
    token: AttentionToken;
    map: Map;
  }[];
  attribution: { token: AttentionToken; map: Map }[];
  gradCam: { cam: Map; raw: Map; upsampled?: Map };
}
interface Fixture {
  name: string;
  model: string;
  dims: number[];
  prefix: number;
  grid: [number, number];
  attention: string[];
  gradCamLayer: string;
  cases: Case[];
}

interface SwinFixture {
  model: string;
  target: number;
  layers: { module: string; layer: string; grid: [number, number]; raw: Map; cam: Map }[];
}

const manifest = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as {
  models: Fixture[];
  swin: SwinFixture;
};

const worst: Record<string, number> = {};

/** ‖a − b‖ / ‖b‖ (the largest seen per model is printed at the end). */
function relativeL2(actual: ArrayLike<number>, expected: ArrayLike<number>, model = ''): number {
  expect(actual.length).toBe(expected.length);
  let d = 0;
  let n = 0;
  for (let i = 0; i < expected.length; i++) {
    d += (actual[i]! - expected[i]!) ** 2;
    n += expected[i]! ** 2;
  }
  expect(n).toBeGreaterThan(0);
  const error = Math.sqrt(d / n);
  worst[model] = Math.max(worst[model] ?? 0, error);
  return error;
}

afterAll(() => {
  console.info(
    `transformer methods vs PyTorch, largest relative L2: ${Object.entries(worst)
      .map(([m, e]) => `${m} ${e.toExponential(1)}`)
      .join(', ')}`,
  );
});

/** The held-out image as the fixtures normalized it: (pixel / 255 − 0.5) / 0.25, NCHW. */
function input(image: string): Tensor {
  const png = decodePngRgba(new Uint8Array(readFileSync(heldout + image)));
  const { width, height } = png;
  const data = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++)
    for (let p = 0; p < width * height; p++)
      data[c * width * height + p] = (png.data[p * 4 + c]! / 255 - 0.5) / 0.25;
  return { data, dims: [1, 3, height, width] };
}

const TOLERANCE = 1e-4;

describe.each(manifest.models.map((m) => [m.name, m] as const))('%s vs PyTorch', (_name, fx) => {
  let engine: OrtTestEngine | undefined;
  const open = async () => {
    engine ??= await createOrtEngine(new Uint8Array(readFileSync(dir + fx.model)), fx.dims);
    return engine;
  };
  afterAll(async () => {
    await engine?.dispose();
  });

  it('finds the attention tensors, the tokens and the Grad-CAM layer', async () => {
    const e = await open();
    const attention = e.info.attention ?? [];
    expect(attention.map((a) => a.tensor)).toEqual(fx.attention);
    for (const a of attention) {
      expect(a.tokens).toMatchObject({ rows: fx.grid[0], cols: fx.grid[1] });
      expect(a.tokens?.prefix).toEqual(['class', 'distillation'].slice(0, fx.prefix));
    }
    expect(selectLayer(e.info)).toBe(fx.gradCamLayer);
  });

  describe.each(fx.cases.map((c) => [c.image, c] as const))('%s', (_image, c) => {
    const x = input(c.image);

    it('attention rollout: every head fusion, discard ratio and token', async () => {
      const e = await open();
      for (const r of c.rollout) {
        const result = await saliency(e, x, {
          method: 'attention-rollout',
          target: 'top',
          headFusion: r.headFusion,
          discardRatio: r.discardRatio,
          token: r.token,
        });
        expect(result.target).toBe(c.target);
        expect([result.cam!.height, result.cam!.width]).toEqual(fx.grid);
        expect(
          relativeL2(result.cam!.data, r.map, fx.name),
          JSON.stringify({ ...r, map: [] }),
        ).toBeLessThan(TOLERANCE);
      }
    });

    it('transformer attribution: every token', async () => {
      const e = await open();
      for (const r of c.attribution) {
        const result = await saliency(e, x, {
          method: 'transformer-attribution',
          target: c.target,
          token: r.token,
        });
        expect(result.attention).toEqual(fx.attention);
        expect(relativeL2(result.cam!.data, r.map, fx.name), r.token).toBeLessThan(TOLERANCE);
      }
    });

    it('Grad-CAM on the patch tokens of the last block input', async () => {
      const e = await open();
      const raw = await saliency(e, x, { method: 'grad-cam', target: c.target, relu: false });
      expect(raw.layer).toBe(fx.gradCamLayer);
      expect(relativeL2(raw.cam!.data, c.gradCam.raw, fx.name)).toBeLessThan(TOLERANCE);
      const result = await saliency(e, x, { method: 'grad-cam', target: c.target });
      const scale = Math.max(...c.gradCam.raw.map(Math.abs));
      if (c.gradCam.cam.some((v) => v > 0)) {
        expect(relativeL2(result.cam!.data, c.gradCam.cam, fx.name)).toBeLessThan(TOLERANCE);
      } else {
        // Every position negative before the ReLU (ViT Grad-CAM often is): nothing survives.
        expect(Math.max(...result.cam!.data)).toBeLessThanOrEqual(1e-6 * scale);
      }
      if (c.gradCam.upsampled)
        expect(relativeL2(raw.attribution.data, c.gradCam.upsampled, fx.name)).toBeLessThan(
          TOLERANCE,
        );
    });
  });

  it('defaults to the class token where there is one, else the mean of the rows', async () => {
    const e = await open();
    const x = input(fx.cases[0]!.image);
    const plain = await saliency(e, x, { method: 'attention-rollout', target: 'top' });
    const token = fx.prefix > 0 ? 'class' : 'mean';
    const expected = fx.cases[0]!.rollout.find(
      (r) => r.token === token && r.headFusion === 'mean' && r.discardRatio === 0,
    )!;
    expect(relativeL2(plain.cam!.data, expected.map, fx.name)).toBeLessThan(TOLERANCE);
    if (fx.prefix < 2) {
      const missing = fx.prefix === 0 ? 'class' : 'distillation';
      await expect(
        saliency(e, x, { method: 'attention-rollout', target: 'top', token: missing }),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: new RegExp(`no ${missing} token`),
      });
    }
  });
});

describe('Swin (export-matrix golden): Grad-CAM on channels-last grids, no rollout', () => {
  const { variant } = matrixCases().find((c) => c.variant.model === manifest.swin.model)!;
  let engine: OrtTestEngine | undefined;
  afterAll(async () => {
    await engine?.dispose();
  });
  const open = async () => {
    engine ??= await createOrtEngine(loadMatrixModel(variant), variant.input.dims);
    return engine;
  };

  it.each(manifest.swin.layers.map((l) => [l.module, l] as const))(
    'Grad-CAM at %s matches pytorch-grad-cam (channels-last reshape)',
    async (_module, layer) => {
      const e = await open();
      expect(e.info.layers.find((l) => l.name === layer.layer)?.layout).toMatchObject({
        kind: 'grid',
        channelAxis: 3,
      });
      const r = await saliency(e, matrixInput(variant), {
        method: 'grad-cam',
        target: manifest.swin.target,
        layer: layer.layer,
        relu: false,
      });
      expect([r.cam!.height, r.cam!.width]).toEqual(layer.grid);
      expect(relativeL2(r.cam!.data, layer.raw, 'swin')).toBeLessThan(TOLERANCE);
    },
  );

  it('refuses rollout and transformer attribution with a typed error that offers Grad-CAM', async () => {
    const e = await open();
    for (const method of ['attention-rollout', 'transformer-attribution'] as const) {
      let error: unknown;
      try {
        await saliency(e, matrixInput(variant), { method, target: 0 });
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({
        code: 'UNSUPPORTED_MODEL',
        message: expect.stringMatching(/within windows.*Use grad-cam/),
      });
    }
    // Grad-CAM's default layer there is a grid after the last stage.
    const r = await saliency(e, matrixInput(variant), { method: 'grad-cam', target: 3 });
    expect(r.cam!.width * r.cam!.height).toBeGreaterThan(1);
  });
});

// The rest of the CAM family reads a token layer through the same view as Grad-CAM (checked
// against pytorch-grad-cam above): here each method against its published definition, computed by
// hand from the layer's tokens [1, T, C] (the class token dropped, patch p = token 1 + p).
describe('Grad-CAM++, guided Grad-CAM, Score-CAM and activations on the patch tokens', () => {
  it('follow their definitions on the default ViT', async () => {
    const vit = manifest.models[0]!;
    const e = await createOrtEngine(new Uint8Array(readFileSync(dir + vit.model)), vit.dims);
    const x = input(vit.cases[0]!.image);
    const target = vit.cases[0]!.target;
    const layer = vit.gradCamLayer;
    const [rows, cols] = vit.grid;
    const area = rows * cols;
    // Maps compared before the ReLU: on this image ViT Grad-CAM is negative everywhere.
    /** Channel k over the patch grid, from tokens [1, T, C]. */
    const planes = (t: Tensor) => {
      const c = t.dims[2]!;
      return Array.from({ length: c }, (_, k) =>
        Float64Array.from({ length: area }, (_, p) => t.data[(vit.prefix + p) * c + k]!),
      );
    };
    const camOf = (weights: ArrayLike<number>, a: Float64Array[]) => {
      const cam = new Float64Array(area);
      a.forEach((plane, k) => {
        for (let p = 0; p < area; p++) cam[p]! += weights[k]! * plane[p]!;
      });
      return cam;
    };
    try {
      const { gradients, kept } = await e.gradient(
        x,
        { kind: 'logit', output: 'logits' },
        { wrt: [layer], keep: [layer], seed: target },
      );
      const a = planes(kept[layer]!);
      const g = planes(gradients[layer]!);

      // Grad-CAM++ (Chattopadhay et al. 2018, the exponential-score closed form, as
      // pytorch-grad-cam): α = g² / (2g² + Σ_ab A_ab · g³), w_k = Σ_ij α_ij relu(g_ij).
      const plusWeights = a.map((ak, k) => {
        const sumA = ak.reduce((s, v) => s + v, 0);
        let w = 0;
        g[k]!.forEach((gp) => {
          const d = 2 * gp * gp + sumA * gp ** 3;
          w += (d !== 0 ? (gp * gp) / d : 0) * Math.max(gp, 0);
        });
        return w;
      });
      const plus = await saliency(e, x, { method: 'grad-cam++', target, layer, relu: false });
      expect(plus.cam).toMatchObject({ width: cols, height: rows });
      expect(relativeL2(plus.cam!.data, camOf(plusWeights, a), 'vit')).toBeLessThan(TOLERANCE);

      // Guided Grad-CAM: guided backprop ⊙ the upsampled CAM (a ViT has no ReLU, so the guided
      // gradient is the gradient).
      const cam = await saliency(e, x, { method: 'grad-cam', target, layer, relu: false });
      const vanilla = await saliency(e, x, { method: 'vanilla', target });
      const guided = await saliency(e, x, {
        method: 'guided-grad-cam',
        target,
        layer,
        relu: false,
      });
      const plane = cam.attribution.data.length;
      const expected = vanilla.gradient!.data.map((v, i) => v * cam.attribution.data[i % plane]!);
      expect(relativeL2(guided.attribution.data, expected, 'vit')).toBeLessThan(TOLERANCE);

      // Score-CAM (Wang et al. 2020): the channels with the highest mean, each upsampled and
      // min–max scaled into a mask of the input; the softmax of the masked inputs' target logits
      // weights the channels.
      const top = a
        .map((ak, k) => ({ k, mean: ak.reduce((s, v) => s + v, 0) / area }))
        .sort((p, q) => q.mean - p.mean)
        .slice(0, 3);
      const [height, width] = [x.dims[2]!, x.dims[3]!];
      const scores: number[] = [];
      for (const { k } of top) {
        const up = resizeMap(
          { data: Float32Array.from(a[k]!), width: cols, height: rows },
          width,
          height,
        );
        const lo = Math.min(...up.data);
        const hi = Math.max(...up.data);
        const masked = x.data.map(
          (v, i) => v * ((up.data[i % (width * height)]! - lo) / (hi - lo)),
        );
        const out = await e.forward({ data: masked, dims: x.dims }, { outputs: ['logits'] });
        scores.push(out.logits!.data[target]!);
      }
      const max = Math.max(...scores);
      const exp = scores.map((v) => Math.exp(v - max));
      const total = exp.reduce((s, v) => s + v, 0);
      const weights = new Float64Array(a.length);
      top.forEach(({ k }, i) => {
        weights[k] = exp[i]! / total;
      });
      const score = await saliency(e, x, {
        method: 'score-cam',
        target,
        layer,
        maxChannels: 3,
        relu: false,
      });
      expect(relativeL2(score.cam!.data, camOf(weights, a), 'vit')).toBeLessThan(TOLERANCE);

      // Activations (Captum's LayerActivation): channel maps over the patch grid.
      const act = await activations(e, x, { layer, topK: 3 });
      expect(act.top.map((t) => t.channel)).toEqual(top.map((t) => t.k));
      for (const t of act.top) {
        expect(t.map).toMatchObject({ width: cols, height: rows });
        expect(relativeL2(t.map.data, a[t.channel]!, 'vit')).toBeLessThan(1e-6);
      }
    } finally {
      await e.dispose();
    }
  });
});

describe('transformer methods on models they do not fit', () => {
  it('name the attention tensor that is not one, and refuse models without attention', async () => {
    const vit = manifest.models[0]!;
    const e = await createOrtEngine(new Uint8Array(readFileSync(dir + vit.model)), vit.dims);
    const x = input(vit.cases[0]!.image);
    try {
      await expect(
        saliency(e, x, { method: 'transformer-attribution', target: 0, attention: ['logits'] }),
      ).rejects.toMatchObject({ code: 'UNKNOWN_TENSOR', message: /'logits' is not an attention/ });
      await expect(
        saliency(e, x, { method: 'attention-rollout', target: 0, headFusion: 'median' as 'mean' }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /headFusion/ });
      await expect(
        saliency(e, x, { method: 'attention-rollout', target: 0, discardRatio: 1 }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /discardRatio/ });
      // Only the first two blocks, by name: a shorter rollout, still over the patch grid.
      const two = await saliency(e, x, {
        method: 'attention-rollout',
        target: 0,
        attention: vit.attention.slice(0, 2),
      });
      expect(two.attention).toEqual(vit.attention.slice(0, 2));
    } finally {
      await e.dispose();
    }
    const cnn = await createOrtEngine(
      new Uint8Array(
        readFileSync(
          fileURLToPath(
            new URL('../../../../test/fixtures/saliency/small_cnn.onnx', import.meta.url),
          ),
        ),
      ),
      [1, 3, 16, 16],
    );
    try {
      let error: unknown;
      try {
        await saliency(
          cnn,
          { data: new Float32Array(3 * 16 * 16), dims: [1, 3, 16, 16] },
          { method: 'attention-rollout', target: 0 },
        );
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FvError);
      expect(error).toMatchObject({ code: 'UNSUPPORTED_MODEL', message: /no attention/ });
    } finally {
      await cnn.dispose();
    }
  });
});

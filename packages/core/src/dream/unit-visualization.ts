// Unit feature visualization (Olah, Mordvintsev & Schubert, Distill 2017, "Feature
// Visualization"), with Lucid's defaults (lucid/optvis/render.py `render_vis`): an image
// parameterized by scaled Fourier coefficients in a decorrelated colour space, random transforms
// every step, Adam with learning rate 0.05, 512 steps at 128 × 128. The engine gives the gradient
// with respect to the transformed model input; everything between the parameters and that input
// is differentiated here, by the chain rule.
import type { Engine } from '../engine.js';
import { abortError, FvError, throwIfAborted } from '../errors.js';
import type { Objective } from '../objective.js';
import { createRng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { type AdamOptions, createAdam } from './adam.js';
import {
  checkObjectiveTensors,
  type DreamControlOptions,
  gradientOf,
  modelInput,
  positiveInt,
  positiveNumber,
} from './common.js';
import {
  createImageParameterization,
  type ImageParameterization,
  type ParameterizationOptions,
} from './parameterization.js';
import { l1Penalty, l2Penalty, totalVariation } from './penalties.js';
import {
  type AffineSampling,
  identitySampling,
  randomTransform,
  sampleAffine,
  sampleAffineAdjoint,
  type TransformSettings,
} from './transforms.js';

/** Objectives a unit visualization can maximize (no seed needed). */
export type UnitObjective = Exclude<Objective, { kind: 'logit' }>;

/**
 * How RGB in [0, 1] becomes model input: `(rgb − mean) / std` per channel. For the MobileNets
 * (`(px − 128) / 128`) that is mean 0.5, std 0.5; for torchvision models mean (0.485, 0.456,
 * 0.406), std (0.229, 0.224, 0.225).
 */
export interface InputNormalization {
  readonly mean: number | readonly number[];
  readonly std: number | readonly number[];
}

/** Options of {@link unitVisualization}. */
export interface UnitVisualizationOptions extends DreamControlOptions {
  /**
   * What to maximize: one objective, or several (one image each, optimized side by side: a batch
   * of units). Usually `channel` or `neuron` objectives.
   */
  readonly objective: UnitObjective | readonly UnitObjective[];
  /** RGB → model input. */
  readonly inputNormalization: InputNormalization;
  /** Size of the optimized image. @defaultValue `[128, 128]` (Lucid `param_f` default) */
  readonly size?: readonly [number, number];
  /** @defaultValue `512` (Lucid `thresholds=(512,)`) */
  readonly steps?: number;
  /** @defaultValue `{ learningRate: 0.05 }` (Lucid `render_vis`) */
  readonly optimizer?: AdamOptions;
  /** @defaultValue `{ kind: 'fft', decorrelate: true }` */
  readonly parameterization?: ParameterizationOptions;
  /** Random transforms each step, or `false` for none. @defaultValue Lucid's `standard_transforms` */
  readonly transforms?: TransformSettings | false;
  /** Weight of the total-variation penalty on the RGB image. @defaultValue `0` */
  readonly totalVariation?: number;
  /** Weight of the L1 penalty Σ|rgb − 0.5|. @defaultValue `0` */
  readonly l1?: number;
  /** Weight of the L2 penalty √(Σ (rgb − 0.5)²). @defaultValue `0` */
  readonly l2?: number;
  /**
   * Diversity (Lucid `diversity`): penalizes the cosine similarity of the Gram matrices of
   * `tensor` between the images, so that several images of the same objective differ. Needs two
   * or more images. @defaultValue off
   */
  readonly diversity?: { readonly tensor: string; readonly weight: number };
  /**
   * How a batch of images is sent to the engine. `'auto'`: one engine call for the whole batch
   * when the model's batch dimension is free and every objective is a `channel` or `neuron`
   * objective on the same tensor (each image gets its own unit through a per-image seed on that
   * tensor, and all images share one random transform per step, as in Lucid); otherwise, and with
   * `'sequential'`, one call per image. @defaultValue `'auto'`
   */
  readonly batch?: 'auto' | 'sequential';
  /**
   * Number of images per objective (with a single objective: the batch size, for diversity).
   * @defaultValue `1`
   */
  readonly imagesPerObjective?: number;
}

/** One step of a unit visualization: all images of the batch. */
export interface UnitVisualizationFrame {
  readonly step: number;
  readonly totalSteps: number;
  /** Objective value of each image at this step (transformed input, before the update). */
  readonly values: readonly number[];
  /** Mean of `values`, penalties included. */
  readonly value: number;
  /** The images as RGB in [0, 1], `[B, 3, H, W]`, untransformed. */
  readonly rgb: Tensor;
  /** The same images in model input space. */
  readonly image: Tensor;
}

function perChannel(v: number | readonly number[], c: number, name: string): number[] {
  if (typeof v === 'number') return Array.from({ length: c }, () => v);
  if (v.length !== c)
    throw new FvError(
      'INVALID_ARGUMENT',
      `${name} has ${v.length} values, the model has ${c} channels`,
    );
  return [...v];
}

/** Gram matrices of `[1, C, H, W]` features, L2-normalized (Lucid `diversity`). */
function normalizedGram(x: Tensor): {
  gram: Float64Array;
  norm: number;
  c: number;
  raw: Float64Array;
} {
  const c = x.dims[1] ?? 1;
  const p = x.data.length / c;
  const raw = new Float64Array(c * c);
  for (let i = 0; i < c; i++) {
    for (let j = i; j < c; j++) {
      let s = 0;
      for (let k = 0; k < p; k++)
        s += (x.data[i * p + k] as number) * (x.data[j * p + k] as number);
      raw[i * c + j] = s;
      raw[j * c + i] = s;
    }
  }
  let n2 = 0;
  for (const v of raw) n2 += v * v;
  const norm = Math.sqrt(Math.max(n2, 1e-10));
  return { gram: raw.map((v) => v / norm), norm, c, raw };
}

/**
 * Diversity value (Σ_i Σ_{j≠i} ⟨Ĝ_i, Ĝ_j⟩ / B, Ĝ the normalized Gram matrices) and its gradient
 * with respect to each image's features.
 */
export function diversityGradient(features: readonly Tensor[]): {
  value: number;
  gradients: Tensor[];
} {
  const b = features.length;
  const grams = features.map(normalizedGram);
  let value = 0;
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) {
      if (i === j) continue;
      const gi = (grams[i] as ReturnType<typeof normalizedGram>).gram;
      const gj = (grams[j] as ReturnType<typeof normalizedGram>).gram;
      for (let k = 0; k < gi.length; k++) value += (gi[k] as number) * (gj[k] as number);
    }
  }
  value /= b;
  const gradients = features.map((x, i) => {
    const { gram, norm, c } = grams[i] as ReturnType<typeof normalizedGram>;
    // dV/dĜ_i = 2/B · Σ_{j≠i} Ĝ_j (each unordered pair appears twice)
    const dG = new Float64Array(c * c);
    for (let j = 0; j < b; j++) {
      if (j === i) continue;
      const gj = (grams[j] as ReturnType<typeof normalizedGram>).gram;
      for (let k = 0; k < dG.length; k++) dG[k] = (dG[k] as number) + (2 / b) * (gj[k] as number);
    }
    // through the normalization Ĝ = G/‖G‖: dG_raw = (dĜ − Ĝ⟨Ĝ, dĜ⟩) / ‖G‖
    let dot = 0;
    for (let k = 0; k < dG.length; k++) dot += (gram[k] as number) * (dG[k] as number);
    for (let k = 0; k < dG.length; k++)
      dG[k] = ((dG[k] as number) - (gram[k] as number) * dot) / norm;
    // through G = F Fᵀ (F: C × P): dF = (dG + dGᵀ) F
    const p = x.data.length / c;
    const out = new Float32Array(x.data.length);
    for (let r = 0; r < c; r++) {
      for (let s = 0; s < c; s++) {
        const coef = (dG[r * c + s] as number) + (dG[s * c + r] as number);
        if (coef === 0) continue;
        for (let k = 0; k < p; k++)
          out[r * p + k] = (out[r * p + k] as number) + coef * (x.data[s * p + k] as number);
      }
    }
    return { data: out, dims: [...x.dims] };
  });
  return { value, gradients };
}

/**
 * One engine call for a batch of images, each maximizing its own channel or neuron of `tensor`:
 * a `logit` objective on `tensor` whose seed holds, for image b, the mask of its unit (1/(H·W) on
 * the channel, or one-hot at the neuron). Images are independent in the network, so image b's
 * gradient is its own unit's gradient.
 */
async function batchedGradient(
  engine: Engine,
  inputName: string,
  tensor: string,
  objectives: readonly UnitObjective[],
  inputs: readonly Tensor[],
  relu: NonNullable<DreamControlOptions['relu']>,
  signal: DreamControlOptions['signal'],
  layerDims: Map<string, readonly number[]>,
): Promise<{ values: number[]; gradients: Float32Array[] }> {
  const first = inputs[0] as Tensor;
  const [, c = 0, h = 0, w = 0] = first.dims;
  const b = inputs.length;
  const key = `${h}x${w}`;
  let dims = layerDims.get(key);
  if (!dims) {
    const out = await engine.forward(first, { outputs: [tensor], ...(signal ? { signal } : {}) });
    const a = out[tensor];
    if (!a) throw new FvError('UNKNOWN_TENSOR', `The engine returned no '${tensor}'`);
    if (a.dims.length !== 4) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `'${tensor}' must be NCHW for unit objectives, got [${a.dims.join(', ')}]`,
      );
    }
    dims = a.dims.slice(1);
    layerDims.set(key, dims);
  }
  const [lc = 0, lh = 0, lw = 0] = dims;
  const plane = lh * lw;
  const seed = new Float32Array(b * lc * plane);
  objectives.forEach((o, i) => {
    if (o.kind !== 'channel' && o.kind !== 'neuron') return;
    if (!Number.isInteger(o.channel) || o.channel < 0 || o.channel >= lc) {
      throw new FvError(
        'OUT_OF_RANGE',
        `channel ${o.channel} is out of range for '${tensor}' with ${lc} channels`,
      );
    }
    const base = (i * lc + o.channel) * plane;
    if (o.kind === 'channel') seed.fill(1 / plane, base, base + plane);
    else {
      const y = o.y ?? Math.floor(lh / 2);
      const x = o.x ?? Math.floor(lw / 2);
      if (!(y >= 0 && y < lh && x >= 0 && x < lw)) {
        throw new FvError(
          'OUT_OF_RANGE',
          `neuron (${y}, ${x}) is outside '${tensor}' of size ${lh}×${lw}`,
        );
      }
      seed[base + y * lw + x] = 1;
    }
  });
  const data = new Float32Array(b * c * h * w);
  inputs.forEach((x, i) => {
    data.set(x.data, i * c * h * w);
  });
  const batch = { data, dims: [b, c, h, w] };
  const r = await engine.gradient(
    batch,
    { kind: 'logit', output: tensor },
    {
      wrt: [inputName],
      relu,
      seed: { data: seed, dims: [b, ...dims] },
      keep: [tensor],
      ...(signal ? { signal } : {}),
    },
  );
  const g = gradientOf(r.gradients, inputName, batch).data;
  const a = r.kept[tensor];
  const values: number[] = [];
  for (let i = 0; i < b; i++) {
    let v = 0;
    if (a) {
      const o = i * lc * plane;
      for (let k = 0; k < lc * plane; k++) v += (seed[o + k] as number) * (a.data[o + k] as number);
    } else v = Number.NaN;
    values.push(v);
  }
  const gradients = inputs.map((_, i) => g.slice(i * c * h * w, (i + 1) * c * h * w));
  return { values, gradients };
}

/**
 * Unit feature visualization as an async iterable of frames, one per step.
 * @example
 * const frames = unitVisualization(engine, {
 *   objective: { kind: 'channel', tensor: 'MobilenetV2/expanded_conv_6/expand/Relu6', channel: 7 },
 *   inputNormalization: { mean: 0.5, std: 0.5 },
 * });
 * for await (const f of frames) show(f.rgb);
 */
export async function* unitVisualization(
  engine: Engine,
  options: UnitVisualizationOptions,
): AsyncGenerator<UnitVisualizationFrame, Tensor, undefined> {
  const input = modelInput(engine, options.input);
  const c = input.channels ?? 3;
  const [h, w] = options.size ?? [128, 128];
  positiveInt(h, 'size[0]');
  positiveInt(w, 'size[1]');
  const steps = positiveInt(options.steps ?? 512, 'steps', true);
  const base = Array.isArray(options.objective)
    ? (options.objective as readonly UnitObjective[])
    : [options.objective as UnitObjective];
  if (base.length === 0) throw new FvError('INVALID_ARGUMENT', 'objective list is empty');
  const per = positiveInt(options.imagesPerObjective ?? 1, 'imagesPerObjective');
  for (const o of base) checkObjectiveTensors(engine, o);
  if (options.diversity)
    checkObjectiveTensors(engine, { kind: 'layer', tensor: options.diversity.tensor });
  const objectives = base.flatMap((o) => Array.from({ length: per }, () => o));
  const b = objectives.length;
  const mean = perChannel(options.inputNormalization.mean, c, 'inputNormalization.mean');
  const std = perChannel(options.inputNormalization.std, c, 'inputNormalization.std');
  if (std.some((s) => !(s > 0)))
    throw new FvError('INVALID_ARGUMENT', 'inputNormalization.std must be positive');
  const tv = positiveNumber(options.totalVariation ?? 0, 'totalVariation', true);
  const l1 = positiveNumber(options.l1 ?? 0, 'l1', true);
  const l2 = positiveNumber(options.l2 ?? 0, 'l2', true);
  const diversity = options.diversity;
  if (diversity && b < 2) {
    throw new FvError(
      'INVALID_ARGUMENT',
      'diversity needs two or more images (imagesPerObjective ≥ 2 or several objectives)',
    );
  }
  const rng = createRng(options.seed ?? 0);
  const images: ImageParameterization[] = [];
  for (let i = 0; i < b; i++)
    images.push(createImageParameterization(c, h, w, rng, options.parameterization));
  const optimizers = images.map((im) => createAdam(im.params.length, options.optimizer ?? {}));
  const { signal } = options;
  const relu = options.relu ?? 'standard';
  throwIfAborted(signal);

  const toModel = (rgb: Float32Array, pixels: number): Float32Array => {
    const out = new Float32Array(rgb.length);
    for (let ch = 0; ch < c; ch++) {
      for (let i = ch * pixels; i < (ch + 1) * pixels; i++)
        out[i] = ((rgb[i] as number) - (mean[ch] as number)) / (std[ch] as number);
    }
    return out;
  };
  const snapshot = (rgbs: Float32Array[]): { rgb: Tensor; image: Tensor } => {
    const rgb = new Float32Array(b * c * h * w);
    const image = new Float32Array(rgb.length);
    for (let i = 0; i < rgbs.length; i++) {
      const r = rgbs[i] as Float32Array;
      rgb.set(r, i * c * h * w);
      image.set(toModel(r, h * w), i * c * h * w);
    }
    return { rgb: { data: rgb, dims: [b, c, h, w] }, image: { data: image, dims: [b, c, h, w] } };
  };

  const batchMode = options.batch ?? 'auto';
  if (batchMode !== 'auto' && batchMode !== 'sequential') {
    throw new FvError(
      'INVALID_ARGUMENT',
      `batch must be 'auto' or 'sequential', got '${String(batchMode)}'`,
    );
  }
  const unitTensor =
    objectives[0]?.kind === 'channel' || objectives[0]?.kind === 'neuron'
      ? objectives[0].tensor
      : undefined;
  const batchTensor =
    batchMode === 'auto' &&
    input.batchable &&
    b > 1 &&
    !diversity &&
    unitTensor !== undefined &&
    objectives.every(
      (o) => (o.kind === 'channel' || o.kind === 'neuron') && o.tensor === unitTensor,
    )
      ? unitTensor
      : undefined;
  const layerDims = new Map<string, readonly number[]>();

  let rgbs = images.map((im) => im.render());
  for (let step = 1; step <= steps; step++) {
    if (signal?.aborted) throw abortError(signal.reason);
    const samplings: AffineSampling[] = [];
    const inputs: Tensor[] = [];
    let shared: AffineSampling | undefined;
    for (let i = 0; i < b; i++) {
      const s =
        shared ??
        (options.transforms === false
          ? identitySampling(h, w, input.fixedSize)
          : randomTransform(rng, h, w, options.transforms ?? {}, input.fixedSize));
      if (batchTensor) shared = s;
      samplings.push(s);
      const sampled = sampleAffine(rgbs[i] as Float32Array, c, s);
      inputs.push({ data: toModel(sampled, s.height * s.width), dims: [1, c, s.height, s.width] });
    }
    const values: number[] = [];
    const inputGrads: Float32Array[] = [];
    const kept: Tensor[] = [];
    if (batchTensor) {
      const r = await batchedGradient(
        engine,
        input.name,
        batchTensor,
        objectives,
        inputs,
        relu,
        signal,
        layerDims,
      );
      values.push(...r.values);
      inputGrads.push(...r.gradients);
    } else {
      for (let i = 0; i < b; i++) {
        const x = inputs[i] as Tensor;
        const r = await engine.gradient(x, objectives[i] as UnitObjective, {
          wrt: [input.name],
          relu,
          ...(diversity ? { keep: [diversity.tensor] } : {}),
          ...(signal ? { signal } : {}),
        });
        values.push(r.value);
        inputGrads.push(new Float32Array(gradientOf(r.gradients, input.name, x).data));
        if (diversity) {
          const f = r.kept[diversity.tensor];
          if (!f)
            throw new FvError(
              'UNKNOWN_TENSOR',
              `The engine returned no kept tensor '${diversity.tensor}'`,
            );
          kept.push(f);
        }
      }
    }
    if (diversity) {
      const d = diversityGradient(kept);
      for (let i = 0; i < b; i++) {
        const x = inputs[i] as Tensor;
        const seed = d.gradients[i] as Tensor;
        for (let k = 0; k < seed.data.length; k++)
          seed.data[k] = -(diversity.weight * (seed.data[k] as number));
        const r = await engine.gradient(
          x,
          { kind: 'logit', output: diversity.tensor },
          { wrt: [input.name], relu, seed, ...(signal ? { signal } : {}) },
        );
        const g = gradientOf(r.gradients, input.name, x).data;
        const ig = inputGrads[i] as Float32Array;
        for (let k = 0; k < ig.length; k++) ig[k] = (ig[k] as number) + (g[k] as number);
        values[i] = (values[i] as number) - (diversity.weight * d.value) / b;
      }
    }
    for (let i = 0; i < b; i++) {
      const s = samplings[i] as AffineSampling;
      const gx = inputGrads[i] as Float32Array;
      const pixels = s.height * s.width;
      for (let ch = 0; ch < c; ch++) {
        for (let k = ch * pixels; k < (ch + 1) * pixels; k++)
          gx[k] = (gx[k] as number) / (std[ch] as number);
      }
      const gRgb = sampleAffineAdjoint(gx, c, s);
      const rgb = rgbs[i] as Float32Array;
      let penalty = 0;
      if (tv > 0) penalty += tv * totalVariation(rgb, c, h, w, gRgb, -tv);
      if (l1 > 0) penalty += l1 * l1Penalty(rgb, 0.5, gRgb, -l1);
      if (l2 > 0) penalty += l2 * l2Penalty(rgb, 0.5, gRgb, -l2);
      values[i] = (values[i] as number) - penalty;
      const gParams = (images[i] as ImageParameterization).backward(gRgb);
      // Adam minimizes: the loss is −objective.
      for (let k = 0; k < gParams.length; k++) gParams[k] = -(gParams[k] as number);
      (optimizers[i] as ReturnType<typeof createAdam>).step(
        (images[i] as ImageParameterization).params,
        gParams,
      );
    }
    rgbs = images.map((im) => im.render());
    const value = values.reduce((a, v) => a + v, 0) / b;
    options.onProgress?.({ step, totalSteps: steps, value });
    yield { step, totalSteps: steps, values, value, ...snapshot(rgbs) };
  }
  return snapshot(rgbs).rgb;
}

/** Runs {@link unitVisualization} to the end and resolves to the RGB images `[B, 3, H, W]` in [0, 1]. */
export async function runUnitVisualization(
  engine: Engine,
  options: UnitVisualizationOptions,
): Promise<Tensor> {
  let last: Tensor | undefined;
  for await (const frame of unitVisualization(engine, options)) last = frame.rgb;
  if (!last)
    throw new FvError('INVALID_ARGUMENT', 'unitVisualization ran 0 steps: nothing to return');
  return last;
}

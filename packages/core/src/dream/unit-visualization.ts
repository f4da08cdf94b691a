// Unit feature visualization (Olah, Mordvintsev & Schubert, Distill 2017, "Feature
// Visualization"), with Lucid's defaults (lucid/optvis/render.py `render_vis`): an image
// parameterized by scaled Fourier coefficients in a decorrelated colour space, random transforms
// every step, Adam with learning rate 0.05, 512 steps at 128 × 128. The engine gives the gradient
// with respect to the transformed model input; everything between the parameters and that input
// is differentiated here, by the chain rule.
import type { AbortSignalLike } from '../abort.js';
import { knownOptions, positiveInteger, positiveNumber } from '../checks.js';
import type { Engine } from '../engine.js';
import { FvError } from '../errors.js';
import { featureMapShape, featureMapTensor } from '../feature-map.js';
import type { ImageLike } from '../image/convert.js';
import { resizeImageTensor } from '../image/resize.js';
import { fromPlanar } from '../image/shape.js';
import { checkAborted, type LoopProgress, type LoopRun, startLoop } from '../loop/run.js';
import type { Objective, ReluMode } from '../objective.js';
import {
  inputNormalization,
  type ModelConfig,
  type ResolvedModelConfig,
} from '../preprocess/config.js';
import { createRng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { type AdamOptions, createAdam } from './adam.js';
import {
  checkObjectiveTensors,
  type DreamControlOptions,
  dreamInput,
  gradientOf,
  planarImage,
} from './common.js';
import {
  createImageParameterization,
  type ImageParameterization,
  type ParameterizationOptions,
} from './parameterization.js';
import { l1Penalty, l2Penalty, totalVariation } from './penalties.js';
import {
  applyTransforms,
  applyTransformsAdjoint,
  FREE_SCRATCH_SLOT,
  identitySampling,
  randomTransforms,
  resolveTransformSettings,
  type TransformDraw,
  type TransformScratch,
  type TransformSettings,
  transformedSize,
  transformScratch,
} from './transforms.js';

/**
 * A class score as a visualization objective: `output[classIndex]`, the unnormalized score (Lucid
 * visualizes classes as a channel of the logits layer, `objectives.channel("labels", n)` in
 * Lucent).
 */
export interface ClassObjective {
  readonly kind: 'class';
  readonly classIndex: number;
  /** Output holding the class scores (logits, not softmax). @defaultValue the config's `logits` */
  readonly output?: string;
}

/** Objectives a unit visualization can maximize (no seed needed). */
export type UnitObjective = Exclude<Objective, { kind: 'logit' }> | ClassObjective;

/**
 * Lucid's redirected ReLU gradients (`render_vis(relu_gradient_override=True)`, its default; see
 * the `'redirected'` relu mode): while they are on, a Relu or Clip (ReLU6) that blocks the whole
 * gradient of an image lets through the part that pushes its inputs back into the active range,
 * so a unit that does not fire on the image still moves it.
 */
export interface RedirectReluOptions {
  /**
   * Steps at the start that use redirected gradients (Lucid: "for at most 16 steps").
   * @defaultValue `16`
   */
  readonly steps?: number;
  /**
   * After those steps, also redirect on any step that follows one where an image's objective
   * was exactly zero (its unit did not fire anywhere: no true gradient reaches the image).
   * @defaultValue `true`
   */
  readonly whileDead?: boolean;
}

/** What happened to one image of a unit visualization. */
export interface UnitVisualizationOutcome {
  /** Objective value on the last step (transformed input, before its update). */
  readonly value: number;
  /**
   * Steps on which the objective was exactly zero: the unit fired nowhere in the transformed
   * image, so the true gradient was zero there.
   */
  readonly deadSteps: number;
  /**
   * Of those, the steps on which redirected ReLU gradients moved the image anyway (fv had to
   * intervene: Lucid's redirected ReLU).
   */
  readonly redirectedSteps: number;
  /** The unit still did not fire on the last step: the picture shows nothing it responds to. */
  readonly dead: boolean;
}

/**
 * The result of a unit visualization: the images as RGB in [0, 1], planar `[B, C, H, W]`, and what
 * happened to each.
 */
export interface UnitVisualizationResult extends Tensor {
  readonly outcomes: readonly UnitVisualizationOutcome[];
}

/**
 * Options of {@link unitVisualization}. The image is optimized as RGB in [0, 1] (pixel = 255 ·
 * rgb, one gray channel for one-channel models) and fed to the model through the model config's
 * normalization, colour order and layout.
 */
export interface UnitVisualizationOptions extends DreamControlOptions {
  /**
   * What to maximize: one objective, or several (one image each, optimized side by side: a batch
   * of units). Usually `channel` or `neuron` objectives.
   */
  readonly objective: UnitObjective | readonly UnitObjective[];
  /** Size `[H, W]` of the optimized image. @defaultValue `[128, 128]` (Lucid `param_f` default) */
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
  /**
   * Redirected ReLU gradients for units that do not fire (Lucid's default), or `false` for the
   * true gradient throughout. Applies when `relu` is `'standard'`.
   * @defaultValue `{ steps: 16, whileDead: true }`
   */
  readonly redirectRelu?: RedirectReluOptions | false;
}

/** One step of a unit visualization: all images of the batch. */
export interface UnitVisualizationFrame extends LoopProgress {
  /** Objective value of each image at this step (transformed input, before the update). */
  readonly values: readonly number[];
  /** Mean of `values`, penalties included. */
  readonly value: number;
  /** Whether this step used redirected ReLU gradients (for some image). */
  readonly redirected: boolean;
  /** The images as RGB in [0, 1] (gray for one-channel models), planar `[B, C, H, W]`, untransformed. */
  readonly rgb: Tensor;
  /** The same images as normalized model input, in the model's layout. */
  readonly image: Tensor;
}

/** What crosses to a loop host for a unit visualization. */
export interface UnitVisualizationRequest {
  readonly image?: ImageLike | Tensor;
  readonly options: Omit<UnitVisualizationOptions, 'signal' | 'frameIntervalMs'>;
  readonly config?: ModelConfig;
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
  relu: ReluMode,
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
    dims = a.dims.slice(1);
    layerDims.set(key, dims);
  }
  // The layer as channel planes over its grid: NCHW maps, channels-last maps, or a vision
  // transformer's patch tokens (extra tokens get no seed).
  const layout = engine.info.layers.find((l) => l.name === tensor)?.layout;
  const grid = featureMapShape([1, ...dims], tensor, layout);
  if (!grid) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `'${tensor}' of shape [1, ${dims.join(', ')}] is not a feature map or a token sequence, so it has no units to visualize`,
    );
  }
  const { channels: lc, height: lh, width: lw } = grid;
  const plane = lh * lw;
  const maps = objectives.map((o) => {
    const map = new Float32Array(lc * plane);
    if (o.kind !== 'channel' && o.kind !== 'neuron') return { ...grid, data: map };
    if (!Number.isInteger(o.channel) || o.channel < 0 || o.channel >= lc) {
      throw new FvError(
        'OUT_OF_RANGE',
        `channel ${o.channel} is out of range for '${tensor}' with ${lc} channels`,
      );
    }
    const base = o.channel * plane;
    if (o.kind === 'channel') map.fill(1 / plane, base, base + plane);
    else {
      const y = o.y ?? Math.floor(lh / 2);
      const x = o.x ?? Math.floor(lw / 2);
      if (!(y >= 0 && y < lh && x >= 0 && x < lw)) {
        throw new FvError(
          'OUT_OF_RANGE',
          `neuron (${y}, ${x}) is outside '${tensor}' of size ${lh}×${lw}`,
        );
      }
      map[base + y * lw + x] = 1;
    }
    return { ...grid, data: map };
  });
  const seed = featureMapTensor(maps, [b, ...dims], tensor, layout).data;
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
  const item = seed.length / b;
  for (let i = 0; i < b; i++) {
    let v = 0;
    if (a) {
      const o = i * item;
      for (let k = 0; k < item; k++) v += (seed[o + k] as number) * (a.data[o + k] as number);
    } else v = Number.NaN;
    values.push(v);
  }
  const gradients = inputs.map((_, i) => g.slice(i * c * h * w, (i + 1) * c * h * w));
  return { values, gradients };
}

/**
 * Unit feature visualization: images that excite units of the network, optimized from noise (or
 * from `image`: an 8-bit image, or a normalized tensor in the model's layout, resized to `size`).
 * One frame per step; the result is the RGB images `[B, C, H, W]` in [0, 1].
 * @example
 * const rgb = await unitVisualization(engine, undefined, {
 *   objective: { kind: 'channel', tensor: 'MobilenetV2/expanded_conv_6/expand/Relu6', channel: 7 },
 * }, presets.tensorflow);
 * const [picture] = rgbToImages(rgb);
 */
export function unitVisualization(
  engine: Engine,
  image: ImageLike | Tensor | undefined,
  options: UnitVisualizationOptions,
  config?: ModelConfig,
): LoopRun<UnitVisualizationFrame, UnitVisualizationResult> {
  return startLoop(engine, 'unit-visualization', image, options, config, unitVisualizationFrames);
}

/** The unit visualization loop, in place (the `'unit-visualization'` loop kind). */
export async function* unitVisualizationFrames(
  engine: Engine,
  request: UnitVisualizationRequest,
  signal: AbortSignalLike | undefined,
): AsyncGenerator<UnitVisualizationFrame, UnitVisualizationResult, undefined> {
  const { options } = request;
  knownOptions(options, UNIT_OPTIONS, 'unitVisualization');
  const [h, w] = options.size ?? [128, 128];
  positiveInteger(h, 'size[0]');
  positiveInteger(w, 'size[1]');
  const input = dreamInput(engine, request.config, [h, w]);
  const { config } = input;
  const c = config.channels;
  const steps = positiveInteger(options.steps ?? 512, 'steps', true);
  const given = Array.isArray(options.objective)
    ? (options.objective as readonly UnitObjective[])
    : [options.objective as UnitObjective];
  if (given.length === 0) throw new FvError('INVALID_ARGUMENT', 'objective list is empty');
  const base = given.map((o) => resolveClassObjective(o, config.logits));
  const per = positiveInteger(options.imagesPerObjective ?? 1, 'imagesPerObjective');
  for (const o of base) checkObjectiveTensors(engine, o);
  if (options.diversity)
    checkObjectiveTensors(engine, { kind: 'layer', tensor: options.diversity.tensor });
  if (options.transforms !== false) resolveTransformSettings(options.transforms);
  const objectives = base.flatMap((o) => Array.from({ length: per }, () => o));
  const b = objectives.length;
  const { mean, std } = inputNormalization(config);
  if (std.some((s) => !(s > 0)))
    throw new FvError('INVALID_ARGUMENT', 'ModelConfig.std must be positive');
  const order = channelOrder(c, config);
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
  const relu = options.relu ?? 'standard';
  const redirect = redirectSchedule(options.redirectRelu, relu);
  const start = request.image ? startRgb(request.image, config, mean, std, order, h, w) : undefined;
  const rng = createRng(options.seed ?? 0);
  const images: ImageParameterization[] = [];
  for (let i = 0; i < b; i++)
    images.push(createImageParameterization(c, h, w, rng, options.parameterization, start));
  const optimizers = images.map((im) => createAdam(im.params.length, options.optimizer ?? {}));
  // Per image: the samplings' buffers, reused every step.
  const scratch = images.map(() => transformScratch());
  const inputName = config.input;
  checkAborted(signal);

  const toModel = (rgb: Float32Array, pixels: number): Float32Array =>
    rgbToModelPlanes(rgb, pixels, order, mean, std);
  const stack = (rgbs: readonly Float32Array[], f: (r: Float32Array) => Float32Array): Tensor => {
    const data = new Float32Array(b * c * h * w);
    for (let i = 0; i < rgbs.length; i++) data.set(f(rgbs[i] as Float32Array), i * c * h * w);
    return { data, dims: [b, c, h, w] };
  };
  const frameOf = (
    step: number,
    values: number[],
    value: number,
    redirected: boolean,
    rgbs: readonly Float32Array[],
  ): UnitVisualizationFrame => {
    // The images are built when read: a hosted loop sends few of its frames.
    let rgb: Tensor | undefined;
    let image: Tensor | undefined;
    const rgbOf = (): Tensor => {
      rgb ??= stack(rgbs, (r) => r);
      return rgb;
    };
    return {
      step,
      totalSteps: steps,
      values,
      value,
      redirected,
      get rgb() {
        return rgbOf();
      },
      get image() {
        image ??= rgbToModelInput(rgbOf(), config);
        return image;
      },
    };
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
  const model = input.engine;

  const deadSteps = new Array<number>(b).fill(0);
  const redirectedSteps = new Array<number>(b).fill(0);
  let lastValues: number[] = [];
  /** Whether image i's objective was exactly zero on the previous step. */
  const wasDead = (i: number) => lastValues[i] === 0;
  let rgbs = images.map((im) => im.render());
  for (let step = 1; step <= steps; step++) {
    checkAborted(signal);
    const draws: TransformDraw[] = [];
    const inputs: Tensor[] = [];
    let shared: TransformDraw | undefined;
    for (let i = 0; i < b; i++) {
      const draw =
        shared ??
        (options.transforms === false
          ? input.fixedSize
            ? [identitySampling(h, w, input.fixedSize)]
            : []
          : randomTransforms(rng, h, w, options.transforms, input.fixedSize));
      if (batchTensor) shared = draw;
      draws.push(draw);
      const [th, tw] = transformedSize(draw, h, w);
      const sampled = applyTransforms(rgbs[i] as Float32Array, c, draw, scratch[i]);
      inputs.push({ data: toModel(sampled, th * tw), dims: [1, c, th, tw] });
    }
    // The relu mode of each image's gradient on this step.
    const modes = objectives.map((_, i) => redirect(step, wasDead(i)));
    const values: number[] = [];
    const inputGrads: Float32Array[] = [];
    const kept: Tensor[] = [];
    if (batchTensor) {
      const r = await batchedGradient(
        model,
        inputName,
        batchTensor,
        objectives,
        inputs,
        modes.includes('redirected') ? 'redirected' : relu,
        signal,
        layerDims,
      );
      values.push(...r.values);
      inputGrads.push(...r.gradients);
    } else {
      for (let i = 0; i < b; i++) {
        const x = inputs[i] as Tensor;
        const o = objectives[i] as ResolvedUnitObjective;
        const r = await model.gradient(x, engineObjective(o), {
          wrt: [inputName],
          relu: modes[i] as ReluMode,
          ...(o.kind === 'class' ? { seed: o.classIndex } : {}),
          ...(diversity ? { keep: [diversity.tensor] } : {}),
          ...(signal ? { signal } : {}),
        });
        values.push(r.value);
        const g = gradientOf(r.gradients, inputName, x).data;
        // Diversity adds to the gradient in place: a copy then, not the engine's array.
        inputGrads.push(diversity ? new Float32Array(g) : g);
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
    const redirected = modes.includes('redirected');
    for (let i = 0; i < b; i++) {
      if (values[i] !== 0) continue;
      deadSteps[i] = (deadSteps[i] as number) + 1;
      if (modes[i] === 'redirected' || (batchTensor && redirected))
        redirectedSteps[i] = (redirectedSteps[i] as number) + 1;
    }
    lastValues = values.slice();
    if (diversity) {
      const d = diversityGradient(kept);
      for (let i = 0; i < b; i++) {
        const x = inputs[i] as Tensor;
        const seed = d.gradients[i] as Tensor;
        for (let k = 0; k < seed.data.length; k++)
          seed.data[k] = -(diversity.weight * (seed.data[k] as number));
        const r = await model.gradient(
          x,
          { kind: 'logit', output: diversity.tensor },
          { wrt: [inputName], relu: modes[i] as ReluMode, seed, ...(signal ? { signal } : {}) },
        );
        const g = gradientOf(r.gradients, inputName, x).data;
        const ig = inputGrads[i] as Float32Array;
        for (let k = 0; k < ig.length; k++) ig[k] = (ig[k] as number) + (g[k] as number);
        values[i] = (values[i] as number) - (diversity.weight * d.value) / b;
      }
    }
    for (let i = 0; i < b; i++) {
      const draw = draws[i] as TransformDraw;
      const gx = inputGrads[i] as Float32Array;
      const [th, tw] = transformedSize(draw, h, w);
      const pixels = th * tw;
      const gSampled = modelPlanesGradientToRgb(
        gx,
        pixels,
        order,
        std,
        (scratch[i] as TransformScratch).float32(FREE_SCRATCH_SLOT, gx.length),
      );
      const gRgb = applyTransformsAdjoint(gSampled, c, draw, scratch[i]);
      const rgb = rgbs[i] as Float32Array;
      let penalty = 0;
      if (tv > 0) penalty += tv * totalVariation(rgb, c, h, w, gRgb, -tv);
      if (l1 > 0) penalty += l1 * l1Penalty(rgb, 0.5, gRgb, -l1);
      if (l2 > 0) penalty += l2 * l2Penalty(rgb, 0.5, gRgb, -l2);
      values[i] = (values[i] as number) - penalty;
      const gParams = (images[i] as ImageParameterization).backward(gRgb);
      // The loss is −objective.
      (optimizers[i] as ReturnType<typeof createAdam>).step(
        (images[i] as ImageParameterization).params,
        gParams,
        true,
      );
    }
    rgbs = images.map((im) => im.render());
    const value = values.reduce((a, v) => a + v, 0) / b;
    yield frameOf(step, values, value, redirected, rgbs);
  }
  const rgb = frameOf(steps, [], 0, false, rgbs).rgb;
  return {
    data: rgb.data,
    dims: rgb.dims,
    outcomes: objectives.map((_, i) => ({
      value: lastValues[i] ?? Number.NaN,
      deadSteps: deadSteps[i] as number,
      redirectedSteps: redirectedSteps[i] as number,
      dead: steps > 0 && lastValues[i] === 0,
    })),
  };
}

type ResolvedUnitObjective =
  | Exclude<UnitObjective, ClassObjective>
  | (ClassObjective & { readonly output: string });

/** A class objective with its output named (the config's logits by default), checked. */
function resolveClassObjective(o: UnitObjective, logits: string): ResolvedUnitObjective {
  if (o.kind !== 'class') return o;
  if (!Number.isInteger(o.classIndex) || o.classIndex < 0) {
    throw new FvError(
      'OUT_OF_RANGE',
      `classIndex must be a non-negative integer, got ${String(o.classIndex)}`,
    );
  }
  return { ...o, output: o.output ?? logits };
}

/** The objective an engine computes for a unit objective (a class: a logit, seeded by its index). */
function engineObjective(o: ResolvedUnitObjective): Objective {
  return o.kind === 'class' ? { kind: 'logit', output: o.output } : o;
}

/**
 * When to redirect ReLU gradients: `(step, deadBefore) → relu mode`.
 * @throws FvError `INVALID_ARGUMENT` for bad settings, or redirection with a `relu` other than
 *   `'standard'` (it replaces the true gradient, not guided or deconvnet ones).
 */
function redirectSchedule(
  settings: RedirectReluOptions | false | undefined,
  relu: ReluMode,
): (step: number, deadBefore: boolean) => ReluMode {
  if (settings === false || relu === 'redirected') return () => relu;
  if (relu !== 'standard') {
    if (settings === undefined) return () => relu;
    throw new FvError(
      'INVALID_ARGUMENT',
      `redirectRelu applies to relu 'standard'; with relu '${relu}' pass redirectRelu: false`,
    );
  }
  if (typeof settings !== 'object' && settings !== undefined) {
    throw new FvError('INVALID_ARGUMENT', 'redirectRelu must be an object or false');
  }
  for (const key of Object.keys(settings ?? {})) {
    if (key !== 'steps' && key !== 'whileDead') {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Unknown redirectRelu setting '${key}' (settings: steps, whileDead)`,
      );
    }
  }
  const warmup = positiveInteger(settings?.steps ?? 16, 'redirectRelu.steps', true);
  const whileDead = settings?.whileDead ?? true;
  return (step, deadBefore) =>
    step <= warmup || (whileDead && deadBefore) ? 'redirected' : 'standard';
}

/** Options of the Lucid pipeline (what class visualization's `'lucid'` method passes on too). */
export const PIPELINE_OPTIONS: readonly string[] = [
  'size',
  'steps',
  'optimizer',
  'parameterization',
  'transforms',
  'totalVariation',
  'l1',
  'l2',
  'redirectRelu',
  'seed',
  'relu',
  'signal',
  'frameIntervalMs',
];

const UNIT_OPTIONS: ReadonlySet<string> = new Set([
  ...PIPELINE_OPTIONS,
  'objective',
  'diversity',
  'batch',
  'imagesPerObjective',
]);

/** Model channel ch is fed from RGB channel order[ch] (BGR models swap red and blue). */
function channelOrder(c: number, config: ResolvedModelConfig): number[] {
  return Array.from({ length: c }, (_, ch) =>
    c === 3 && config.colorOrder === 'BGR' ? 2 - ch : ch,
  );
}

/** Planar RGB in [0, 1] (`[C, pixels]`) as normalized model-input planes in the model's order. */
function rgbToModelPlanes(
  rgb: Float32Array,
  pixels: number,
  order: readonly number[],
  mean: readonly number[],
  std: readonly number[],
): Float32Array {
  const out = new Float32Array(rgb.length);
  for (let ch = 0; ch < order.length; ch++) {
    const from = (order[ch] as number) * pixels;
    const to = ch * pixels;
    const m = mean[ch] as number;
    const s = std[ch] as number;
    for (let i = 0; i < pixels; i++) out[to + i] = ((rgb[from + i] as number) - m) / s;
  }
  return out;
}

/** Adjoint of {@link rgbToModelPlanes} (a gradient on model planes to RGB planes), into `out`. */
function modelPlanesGradientToRgb(
  grad: Float32Array,
  pixels: number,
  order: readonly number[],
  std: readonly number[],
  out: Float32Array,
): Float32Array {
  for (let ch = 0; ch < order.length; ch++) {
    const to = (order[ch] as number) * pixels;
    const from = ch * pixels;
    const sd = std[ch] as number;
    for (let k = 0; k < pixels; k++) out[to + k] = (grad[from + k] as number) / sd;
  }
  return out;
}

/**
 * Images as RGB in [0, 1] (planar `[B, C, H, W]`, as unit visualization's results) as normalized
 * model input in the model's layout and colour order.
 */
export function rgbToModelInput(rgb: Tensor, config: ResolvedModelConfig): Tensor {
  const [b = 1, c = 1, h = 1, w = 1] = rgb.dims;
  const { mean, std } = inputNormalization(config);
  const order = channelOrder(c, config);
  const data = new Float32Array(rgb.data.length);
  for (let i = 0; i < b; i++) {
    const item = rgb.data.subarray(i * c * h * w, (i + 1) * c * h * w);
    data.set(rgbToModelPlanes(item, h * w, order, mean, std), i * c * h * w);
  }
  return fromPlanar({ data, dims: [b, c, h, w] }, config.layout);
}

/** A start image as planar RGB in [0, 1] at the optimized size. */
function startRgb(
  image: ImageLike | Tensor,
  config: Parameters<typeof planarImage>[1],
  mean: readonly number[],
  std: readonly number[],
  order: readonly number[],
  h: number,
  w: number,
): Float32Array {
  const x = resizeImageTensor(planarImage(image, config, 'start image'), h, w);
  const pixels = h * w;
  const rgb = new Float32Array(x.data.length);
  for (let ch = 0; ch < order.length; ch++) {
    const to = (order[ch] as number) * pixels;
    for (let p = 0; p < pixels; p++) {
      rgb[to + p] =
        (x.data[ch * pixels + p] as number) * (std[ch] as number) + (mean[ch] as number);
    }
  }
  return rgb;
}

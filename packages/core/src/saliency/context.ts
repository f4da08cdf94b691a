import type { AbortSignalLike } from '../abort.js';
import { positiveInteger } from '../checks.js';
import type { Engine } from '../engine.js';
import { FvError, throwIfAborted } from '../errors.js';
import {
  type ImageLike,
  type ImageToTensorOptions,
  imageToTensor,
  isTensor,
} from '../image/convert.js';
import type { CropRegion } from '../image/map.js';
import { type ImageShape, imageShape } from '../image/shape.js';
import type { ReluMode } from '../objective.js';
import {
  type ModelConfig,
  type ResolvedModelConfig,
  resolveModelConfig,
} from '../preprocess/config.js';
import type { Tensor } from '../tensor.js';
import type { CommonSaliencyOptions, SaliencyFrame } from './types.js';

/** A preprocessed input and the resolved model configuration. */
export interface PreparedImage {
  readonly config: ResolvedModelConfig;
  readonly input: Tensor;
  readonly shape: ImageShape;
  readonly crop?: CropRegion;
}

/** Everything a saliency method needs, decided once. */
export interface SaliencyContext extends PreparedImage {
  readonly engine: Engine;
  readonly target: number;
  /** Logits at the input. */
  readonly logits: Tensor;
  /** Score of the target at the input (logit or probability). */
  readonly score: number;
  readonly scoreKind: 'logit' | 'probability';
  readonly signal: AbortSignalLike | undefined;
  /** Most batch items per engine call. */
  readonly batchSize: number;
  /** Declares how many engine calls the method will make (for progress). */
  plan(total: number): void;
  /** Reports `count` more engine calls done (resolves when the frame was taken). */
  advance(count?: number): Promise<void>;
}

const staticDim = (d: number | string | null | undefined): number | undefined =>
  typeof d === 'number' && d > 0 ? d : undefined;

/**
 * Resolves the model configuration and turns `image` (an 8-bit image or an already normalized
 * input tensor with batch 1) into the model input.
 * @throws FvError `INVALID_IMAGE` for a wrong channel count or malformed pixels,
 *   `SHAPE_MISMATCH` for a tensor of the wrong size.
 */
export function prepareImage(
  engine: Engine,
  image: ImageLike | Tensor,
  config: ModelConfig = {},
  preprocess: ImageToTensorOptions = {},
): PreparedImage {
  if (!isTensor(image)) {
    const resolved = resolveModelConfig(engine.info, config);
    const { tensor, crop } = imageToTensor(image, resolved, preprocess);
    return {
      config: resolved,
      input: tensor,
      shape: imageShape(tensor.dims, resolved.layout),
      crop,
    };
  }
  if (image.dims.length !== 4) {
    throw new FvError(
      'INVALID_IMAGE',
      `An input tensor must be 4-D, got shape [${image.dims.join(', ')}]`,
    );
  }
  const probe = resolveModelConfig(engine.info, { width: 1, height: 1, ...config });
  const shape = imageShape(image.dims, probe.layout);
  const inputInfo = engine.info.inputs.find((i) => i.name === probe.input);
  const dims = inputInfo?.dims ?? [];
  const [cAxis, hAxis, wAxis] = probe.layout === 'NCHW' ? [1, 2, 3] : [3, 1, 2];
  const expectedChannels = staticDim(dims[cAxis]) ?? config.channels;
  if (expectedChannels !== undefined && shape.channels !== expectedChannels) {
    throw new FvError(
      'INVALID_IMAGE',
      `Input tensor has ${shape.channels} channels but model input '${probe.input}' expects ${expectedChannels}`,
      { channels: shape.channels, expected: expectedChannels },
    );
  }
  if (shape.channels !== 1 && shape.channels !== 3) {
    throw new FvError(
      'INVALID_IMAGE',
      `Input tensor must have 1 or 3 channels, got ${shape.channels}`,
    );
  }
  if (shape.batch !== 1) {
    throw new FvError('INVALID_IMAGE', `Input tensor must have batch size 1, got ${shape.batch}`);
  }
  const h = staticDim(dims[hAxis]);
  const w = staticDim(dims[wAxis]);
  if ((h !== undefined && h !== shape.height) || (w !== undefined && w !== shape.width)) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `Input tensor is ${shape.width}×${shape.height} but model input '${probe.input}' is ${w}×${h}`,
    );
  }
  const resolved = resolveModelConfig(engine.info, {
    ...config,
    channels: shape.channels,
    width: shape.width,
    height: shape.height,
    layout: probe.layout,
  });
  return { config: resolved, input: image, shape };
}

/** Softmax of a logit vector, in float64. */
export function softmax(
  logits: ArrayLike<number>,
  offset = 0,
  length = logits.length,
): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < length; k++) max = Math.max(max, logits[offset + k]!);
  const out = new Float64Array(length);
  let sum = 0;
  for (let k = 0; k < length; k++) {
    out[k] = Math.exp(logits[offset + k]! - max);
    sum += out[k]!;
  }
  for (let k = 0; k < length; k++) out[k]! /= sum;
  return out;
}

/** Index of the largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k]! > values[best]!) best = k;
  return best;
}

/** Default batch size: about 4 M floats of samples at once, between 1 and 32. */
export function defaultBatchSize(itemSize: number): number {
  return Math.max(1, Math.min(32, Math.floor(2 ** 22 / itemSize)));
}

/**
 * Prepares the input, runs one forward pass and resolves the target class.
 * @throws FvError `OUT_OF_RANGE` when the target is not a class index of the logits.
 */
export async function createContext(
  engine: Engine,
  image: ImageLike | Tensor,
  options: CommonSaliencyOptions,
  config: ModelConfig | undefined,
  signal: AbortSignalLike | undefined,
  onFrame: ((frame: SaliencyFrame) => Promise<void>) | undefined,
): Promise<SaliencyContext> {
  throwIfAborted(signal);
  const prepared = prepareImage(engine, image, config, options.preprocess);
  const { config: resolved } = prepared;
  const out = await engine.forward(prepared.input, {
    outputs: [resolved.logits],
    ...(signal ? { signal } : {}),
  });
  const logits = out[resolved.logits];
  if (!logits) {
    throw new FvError('UNKNOWN_TENSOR', `The engine returned no output '${resolved.logits}'`);
  }
  const classes = logits.data.length;
  let target: number;
  if (options.target === 'top') {
    target = argmax(logits.data);
  } else {
    target = options.target;
    if (!(Number.isInteger(target) && target >= 0 && target < classes)) {
      throw new FvError(
        'OUT_OF_RANGE',
        `Target class ${String(target)} is outside 0..${classes - 1} of output '${resolved.logits}'`,
        { target, classes },
      );
    }
  }
  const scoreKind = options.score ?? 'logit';
  if (scoreKind !== 'logit' && scoreKind !== 'probability') {
    throw new FvError(
      'INVALID_ARGUMENT',
      `score must be 'logit' or 'probability', got '${String(scoreKind)}'`,
    );
  }
  const score = scoreKind === 'logit' ? logits.data[target]! : softmax(logits.data)[target]!;
  const inputInfo = engine.info.inputs.find((i) => i.name === resolved.input);
  const batchable = inputInfo !== undefined && typeof inputInfo.dims[0] !== 'number';
  const requested =
    options.batchSize !== undefined
      ? positiveInteger(options.batchSize, 'batchSize')
      : defaultBatchSize(prepared.shape.itemSize);
  let total = 0;
  let done = 0;
  return {
    ...prepared,
    engine,
    target,
    logits,
    score,
    scoreKind,
    signal,
    batchSize: batchable ? requested : 1,
    plan(count) {
      total = count;
      done = 0;
    },
    async advance(count = 1) {
      done += count;
      await onFrame?.({ step: Math.min(done, total), totalSteps: total });
    },
  };
}

/** The gradient seed for `n` batch items given their logits (`probability`) or not (`logit`). */
function seedFor(ctx: SaliencyContext, n: number, logits?: Tensor): number | Tensor {
  const classes = ctx.logits.data.length;
  if (ctx.scoreKind === 'logit' && n === 1) return ctx.target;
  const data = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    if (ctx.scoreKind === 'logit') {
      data[i * classes + ctx.target] = 1;
    } else {
      // ∂p_c/∂z_k = p_c (δ_ck − p_k)
      const p = softmax(logits!.data, i * classes, classes);
      const pc = p[ctx.target]!;
      for (let k = 0; k < classes; k++)
        data[i * classes + k] = pc * ((k === ctx.target ? 1 : 0) - p[k]!);
    }
  }
  return { data, dims: [n, ...ctx.logits.dims.slice(1)] };
}

const batchDims = (ctx: SaliencyContext, n: number): number[] => [n, ...ctx.input.dims.slice(1)];

/** Runs the model on `n` stacked inputs and returns the logits. */
export async function forwardLogits(
  ctx: SaliencyContext,
  data: Float32Array,
  n: number,
): Promise<Tensor> {
  throwIfAborted(ctx.signal);
  const name = ctx.config.logits;
  const out = await ctx.engine.forward(
    { data, dims: batchDims(ctx, n) },
    { outputs: [name], ...(ctx.signal ? { signal: ctx.signal } : {}) },
  );
  const logits = out[name];
  if (!logits) throw new FvError('UNKNOWN_TENSOR', `The engine returned no output '${name}'`);
  return logits;
}

/** Scores (logit or probability of the target) of `n` stacked inputs, one forward pass. */
export async function forwardScores(
  ctx: SaliencyContext,
  data: Float32Array,
  n: number,
): Promise<Float64Array> {
  const logits = await forwardLogits(ctx, data, n);
  const classes = logits.data.length / n;
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    scores[i] =
      ctx.scoreKind === 'logit'
        ? logits.data[i * classes + ctx.target]!
        : softmax(logits.data, i * classes, classes)[ctx.target]!;
  }
  return scores;
}

/** Gradient of the target score of `n` stacked inputs with respect to the model input. */
export async function inputGradients(
  ctx: SaliencyContext,
  data: Float32Array,
  n: number,
  relu: ReluMode = 'standard',
): Promise<Float32Array> {
  const logits = ctx.scoreKind === 'probability' ? await forwardLogits(ctx, data, n) : undefined;
  throwIfAborted(ctx.signal);
  const name = ctx.config.input;
  const result = await ctx.engine.gradient(
    { data, dims: batchDims(ctx, n) },
    { kind: 'logit', output: ctx.config.logits },
    {
      wrt: [name],
      relu,
      seed: seedFor(ctx, n, logits),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    },
  );
  const gradient = result.gradients[name];
  if (!gradient || gradient.data.length !== data.length) {
    throw new FvError(
      'INTERNAL',
      `The engine returned no gradient of the right size for '${name}'`,
    );
  }
  return gradient.data;
}

/**
 * Gradients of the target score with respect to intermediate tensors, and their values, at the
 * input (one engine call).
 */
export async function layerGradients(
  ctx: SaliencyContext,
  layers: readonly string[],
): Promise<{ gradients: Record<string, Tensor>; kept: Record<string, Tensor> }> {
  throwIfAborted(ctx.signal);
  const result = await ctx.engine.gradient(
    ctx.input,
    { kind: 'logit', output: ctx.config.logits },
    {
      wrt: layers,
      keep: layers,
      seed: seedFor(ctx, 1, ctx.logits),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    },
  );
  for (const layer of layers) {
    if (!result.gradients[layer] || !result.kept[layer]) {
      throw new FvError('INTERNAL', `The engine returned no gradient or value for '${layer}'`);
    }
  }
  return { gradients: { ...result.gradients }, kept: { ...result.kept } };
}

/** Gradient of the target score with respect to a layer, and the layer's activation, at the input. */
export async function layerGradient(
  ctx: SaliencyContext,
  layer: string,
): Promise<{ gradient: Tensor; activation: Tensor }> {
  const { gradients, kept } = await layerGradients(ctx, [layer]);
  return { gradient: gradients[layer]!, activation: kept[layer]! };
}

// The semantic dictionary of Olah et al., "The Building Blocks of Interpretability" (Distill
// 2018): for an image and a layer, each spatial position's activation vector is read as the
// channels that fire most there (each shown with its feature visualization); with a target
// class, the channels are also ranked by their attribution to the class logit, the linear
// approximation activation × gradient the paper uses, and summed over positions that ranks which
// channels carried the prediction for the whole image.
import type { AbortSignalLike } from '../abort.js';
import { positiveInteger } from '../checks.js';
import type { Engine } from '../engine.js';
import { FvError, throwIfAborted } from '../errors.js';
import type { ImageLike, ImageToTensorOptions } from '../image/convert.js';
import type { ModelConfig } from '../preprocess/config.js';
import { layerMap } from '../saliency/cam.js';
import { createContext, layerGradient, prepareImage } from '../saliency/context.js';
import type { Tensor } from '../tensor.js';

/** Options of {@link semanticDictionary}. */
export interface SemanticDictionaryOptions {
  /** The layer: an NCHW feature map `[1, C, H, W]` (or a vector `[1, C]`, one position). */
  readonly layer: string;
  /**
   * Class whose logit the channels are attributed to (an index, or `'top'` for the highest
   * scoring class); without it only activations are ranked. @defaultValue none
   */
  readonly target?: number | 'top';
  /** Channels listed per position. @defaultValue 4 */
  readonly topK?: number;
  /** How an {@link ImageLike} is fitted to the model input. @defaultValue stretch */
  readonly preprocess?: ImageToTensorOptions;
  readonly signal?: AbortSignalLike;
}

/** A channel and its value (activation or attribution). */
export interface ChannelValue {
  readonly channel: number;
  readonly value: number;
}

/** One spatial position of the layer. */
export interface SemanticPosition {
  readonly y: number;
  readonly x: number;
  /** L2 norm of the activation vector (the paper sizes each cell by it). */
  readonly magnitude: number;
  /** The `topK` channels with the largest activation here, largest first. */
  readonly activations: readonly ChannelValue[];
  /** With a target: the `topK` channels with the largest activation × gradient here. */
  readonly attributions?: readonly ChannelValue[];
}

/** Result of {@link semanticDictionary}. */
export interface SemanticDictionary {
  readonly layer: string;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Every position, row by row. */
  readonly positions: readonly SemanticPosition[];
  /** The layer's activation, `[1, C, H, W]` (or `[1, C]`). */
  readonly activation: Tensor;
  /** The class attributed to, when a target was given. */
  readonly target?: number;
  /**
   * With a target: every channel's attribution to the class logit over the whole image,
   * Σ over positions of activation × ∂logit/∂activation, largest first.
   */
  readonly channelAttribution?: readonly ChannelValue[];
}

/** The `k` largest of `values[offset + c·stride]` over channels, largest first (ties: lower channel). */
function topChannels(
  values: ArrayLike<number>,
  channels: number,
  offset: number,
  stride: number,
  k: number,
): ChannelValue[] {
  const out: ChannelValue[] = [];
  for (let c = 0; c < channels; c++) {
    const value = values[offset + c * stride]!;
    if (out.length === k && value <= out[k - 1]!.value) continue;
    let i = out.length;
    while (i > 0 && value > out[i - 1]!.value) i--;
    out.splice(i, 0, { channel: c, value });
    if (out.length > k) out.pop();
  }
  return out;
}

/**
 * The semantic dictionary of `image` at `layer` (Olah et al. 2018): per position, the channels with
 * the largest activation and, with a `target`, the largest attribution to the class logit
 * (activation × gradient); and every channel's attribution summed over the image. One forward
 * pass, or one gradient call with a target.
 * @example
 * const dict = await semanticDictionary(engine, image, { layer: 'conv3', target: 'top' }, config);
 * dict.positions[0].activations; // [{ channel, value }, …]
 * dict.channelAttribution?.[0];  // the channel that carried the prediction most
 * @throws FvError `UNKNOWN_TENSOR` for a layer that is not in the model, `OUT_OF_RANGE` for a
 *   target that is not a class, `SHAPE_MISMATCH` for a layer that is not `[1, C, H, W]` or `[1, C]`.
 */
export async function semanticDictionary(
  engine: Engine,
  image: ImageLike | Tensor,
  options: SemanticDictionaryOptions,
  config: ModelConfig = {},
): Promise<SemanticDictionary> {
  const { layer, signal } = options;
  throwIfAborted(signal);
  if (!engine.info.layers.some((l) => l.name === layer)) {
    throw new FvError('UNKNOWN_TENSOR', `Layer '${layer}' is not in the model`, { layer });
  }
  const topK = positiveInteger(options.topK ?? 4, 'topK');
  let activation: Tensor;
  let gradient: Tensor | undefined;
  let target: number | undefined;
  if (options.target !== undefined) {
    const ctx = await createContext(
      engine,
      image,
      {
        target: options.target,
        ...(options.preprocess ? { preprocess: options.preprocess } : {}),
      },
      config,
      signal,
      undefined,
    );
    ({ activation, gradient } = await layerGradient(ctx, layer));
    target = ctx.target;
  } else {
    const prepared = prepareImage(engine, image, config, options.preprocess);
    const out = await engine.forward(prepared.input, {
      outputs: [layer],
      ...(signal ? { signal } : {}),
    });
    const a = out[layer];
    if (!a) throw new FvError('UNKNOWN_TENSOR', `The engine returned no tensor '${layer}'`);
    activation = a;
  }
  // Channel planes over the layer's grid (patch tokens for a vision transformer).
  const { channels, height, width, data: a } = layerMap(engine.info, activation, layer);
  const plane = height * width;
  const g = gradient ? layerMap(engine.info, gradient, layer).data : undefined;
  const product = g ? new Float64Array(a.length) : undefined;
  if (product && g) for (let i = 0; i < a.length; i++) product[i] = a[i]! * g[i]!;
  const positions: SemanticPosition[] = [];
  for (let p = 0; p < plane; p++) {
    let sq = 0;
    for (let c = 0; c < channels; c++) sq += a[c * plane + p]! ** 2;
    positions.push({
      y: Math.floor(p / width),
      x: p % width,
      magnitude: Math.sqrt(sq),
      activations: topChannels(a, channels, p, plane, topK),
      ...(product ? { attributions: topChannels(product, channels, p, plane, topK) } : {}),
    });
  }
  const result: SemanticDictionary = { layer, channels, height, width, positions, activation };
  if (!product || target === undefined) return result;
  const totals = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let p = 0; p < plane; p++) s += product[c * plane + p]!;
    totals[c] = s;
  }
  return {
    ...result,
    target,
    channelAttribution: topChannels(totals, channels, 0, 1, channels),
  };
}

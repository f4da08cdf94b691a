import type { AbortSignalLike } from '../abort.js';
import { positiveInteger } from '../checks.js';
import type { Engine } from '../engine.js';
import { FvError, throwIfAborted } from '../errors.js';
import type { ImageLike, ImageToTensorOptions } from '../image/convert.js';
import type { Map2D } from '../image/map.js';
import type { ModelConfig } from '../preprocess/config.js';
import type { Tensor } from '../tensor.js';
import { layerMap } from './cam.js';
import { prepareImage } from './context.js';

/** Options of {@link activations}. */
export interface ActivationsOptions {
  /** The layer (any intermediate tensor, as listed in `engine.info.layers`). */
  readonly layer: string;
  /** How many of the most active channels to return maps for. @defaultValue 8 */
  readonly topK?: number;
  readonly preprocess?: ImageToTensorOptions;
  readonly signal?: AbortSignalLike;
}

/** One channel's activation statistics. */
export interface ChannelActivation {
  readonly channel: number;
  /** Mean activation over the feature map. */
  readonly mean: number;
  readonly max: number;
  /** The channel's feature map, at layer resolution. */
  readonly map: Map2D;
}

/** Result of {@link activations}. */
export interface ActivationsResult {
  readonly layer: string;
  /** The whole layer tensor as the model gives it (`[1, C, H, W]`, `[1, C]`, `[1, tokens, C]`, …). */
  readonly activation: Tensor;
  /** The `topK` channels with the highest mean activation, highest first. */
  readonly top: readonly ChannelActivation[];
}

/**
 * A layer's feature maps for an image and its most active channels (Captum's LayerActivation):
 * one forward pass.
 * @throws FvError `UNKNOWN_TENSOR` when the layer does not exist.
 */
export async function activations(
  engine: Engine,
  image: ImageLike | Tensor,
  options: ActivationsOptions,
  config?: ModelConfig,
): Promise<ActivationsResult> {
  const { layer } = options;
  throwIfAborted(options.signal);
  const topK = positiveInteger(options.topK ?? 8, 'topK');
  if (!engine.info.layers.some((l) => l.name === layer)) {
    throw new FvError('UNKNOWN_TENSOR', `Layer '${layer}' is not in the model`, { layer });
  }
  const prepared = prepareImage(engine, image, config, options.preprocess);
  const out = await engine.forward(prepared.input, {
    outputs: [layer],
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const activation = out[layer];
  if (!activation) throw new FvError('UNKNOWN_TENSOR', `The engine returned no tensor '${layer}'`);
  const shape = layerMap(engine.info, activation, layer);
  const area = shape.width * shape.height;
  const stats: { channel: number; mean: number; max: number }[] = [];
  for (let k = 0; k < shape.channels; k++) {
    let sum = 0;
    let max = Number.NEGATIVE_INFINITY;
    for (let p = 0; p < area; p++) {
      const v = shape.data[k * area + p]!;
      sum += v;
      max = Math.max(max, v);
    }
    stats.push({ channel: k, mean: sum / area, max });
  }
  stats.sort((a, b) => b.mean - a.mean || a.channel - b.channel);
  const top = stats.slice(0, topK).map((s) => ({
    ...s,
    map: {
      data: shape.data.slice(s.channel * area, (s.channel + 1) * area),
      width: shape.width,
      height: shape.height,
    },
  }));
  return { layer, activation, top };
}

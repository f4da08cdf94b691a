// What the dream loops share: control options, the model input they feed (in the model's layout
// while they compute in planar NCHW), value ranges and clipping, objective checks.
import type { Engine } from '../engine.js';
import { FvError } from '../errors.js';
import { type ImageLike, imageToTensor, isTensor } from '../image/convert.js';
import { fromPlanar, imageShape, toPlanar } from '../image/shape.js';
import type { LoopOptions } from '../loop/run.js';
import type { ReluMode } from '../objective.js';
import {
  type ModelConfig,
  type ResolvedModelConfig,
  resolveModelConfig,
} from '../preprocess/config.js';
import type { Tensor } from '../tensor.js';

/** Options every dream loop takes. */
export interface DreamControlOptions extends LoopOptions {
  /**
   * Seed of the pseudo-random generator (jitter, random transforms, start noise). The same seed,
   * engine and options give the same frames. @defaultValue `0`
   */
  readonly seed?: number;
  /** How Relu-like ops pass gradients back. @defaultValue `'standard'` */
  readonly relu?: ReluMode;
}

/**
 * Valid value range of the model input, used to clip the image after each step: one `[min, max]`
 * for all channels, or one per channel. For example `[-1, 1]` for the MobileNets
 * (`(px − 128) / 128`); the original DeepDream clips to the 0..255 pixel range minus the mean.
 */
export type ValueRange = readonly [number, number] | readonly (readonly [number, number])[];

/** Per-channel `[min, max]` pairs of `range` for `channels` channels. */
export function channelRanges(range: ValueRange, channels: number): [number, number][] {
  if (range.length === 2 && typeof range[0] === 'number') {
    const [lo, hi] = range as readonly [number, number];
    if (!(lo < hi)) throw new FvError('INVALID_ARGUMENT', `range [${lo}, ${hi}] is empty`);
    return Array.from({ length: channels }, () => [lo, hi]);
  }
  const pairs = range as readonly (readonly [number, number])[];
  if (pairs.length !== channels) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `range has ${pairs.length} per-channel pairs but the image has ${channels} channels`,
    );
  }
  return pairs.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || !((p[0] as number) < (p[1] as number))) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `range of channel ${i} must be [min, max] with min < max`,
      );
    }
    return [p[0] as number, p[1] as number];
  });
}

/** Clips a planar [N, C, H, W] image in place to per-channel ranges. */
export function clipImageInPlace(
  image: Tensor,
  ranges: readonly (readonly [number, number])[],
): void {
  const { batch, channels, itemSize, channelStride } = imageShape(image.dims, 'NCHW');
  const d = image.data;
  for (let b = 0; b < batch; b++) {
    for (let ch = 0; ch < channels; ch++) {
      const [lo, hi] = ranges[ch] as readonly [number, number];
      const base = b * itemSize + ch * channelStride;
      for (let i = base; i < base + channelStride; i++) {
        const v = d[i] as number;
        d[i] = Math.min(Math.max(v, lo), hi);
      }
    }
  }
}

/** The model input a dream loop feeds, decided from the engine and the model config. */
export interface DreamInput {
  /** The resolved config (size: the model's, else the fallback size given). */
  readonly config: ResolvedModelConfig;
  /** `[H, W]` when the model fixes both, otherwise `undefined`. */
  readonly fixedSize: readonly [number, number] | undefined;
  /** True when the batch dimension is free or larger than one. */
  readonly batchable: boolean;
  /**
   * The engine as the loops see it: planar `[N, C, H, W]` inputs and input gradients, whatever
   * the model's layout (for NHWC models the tensors are transposed at this boundary).
   */
  readonly engine: Engine;
}

const staticDim = (d: number | string | null | undefined): number | undefined =>
  typeof d === 'number' && d > 0 ? d : undefined;

/**
 * Resolves the model input of a dream loop. `size` (`[H, W]`) is used when the model leaves its
 * spatial size free and `config` does not set it.
 * @throws FvError `UNKNOWN_TENSOR` for an unknown input name, `INVALID_ARGUMENT` for a config that
 *   does not fit the model.
 */
export function dreamInput(
  engine: Engine,
  config: ModelConfig = {},
  size: readonly [number, number] = [224, 224],
): DreamInput {
  const resolved = resolveModelConfig(engine.info, config, size);
  const info = engine.info.inputs.find((i) => i.name === resolved.input)!;
  const d = info.dims;
  const [hAxis, wAxis] = resolved.layout === 'NCHW' ? [2, 3] : [1, 2];
  const h = d.length === 4 ? staticDim(d[hAxis]) : undefined;
  const w = d.length === 4 ? staticDim(d[wAxis]) : undefined;
  const batch = staticDim(d[0]);
  return {
    config: resolved,
    fixedSize: h !== undefined && w !== undefined ? [h, w] : undefined,
    batchable: batch === undefined || batch > 1,
    engine: planarEngine(engine, resolved),
  };
}

/** `engine` with planar inputs and input gradients (itself for NCHW models). */
function planarEngine(engine: Engine, config: ResolvedModelConfig): Engine {
  const { layout, input } = config;
  if (layout === 'NCHW') return engine;
  return {
    get info() {
      return engine.info;
    },
    forward: (x, options) => engine.forward(fromPlanar(x, layout), options),
    async gradient(x, objective, options) {
      const r = await engine.gradient(fromPlanar(x, layout), objective, options);
      const g = r.gradients[input];
      return g ? { ...r, gradients: { ...r.gradients, [input]: toPlanar(g, layout) } } : r;
    },
    dispose: () => engine.dispose(),
  };
}

/**
 * An image argument of a dream loop as a planar `[1, C, H, W]` model-input tensor: an 8-bit image
 * is normalized at its own size; a tensor must be in the model's layout and channel count.
 * @throws FvError `INVALID_IMAGE` for a batch above 1 or a wrong channel count.
 */
export function planarImage(
  image: ImageLike | Tensor,
  config: ResolvedModelConfig,
  what = 'image',
): Tensor {
  const tensor = isTensor(image)
    ? image
    : imageToTensor(image, { ...config, width: image.width, height: image.height }).tensor;
  const shape = imageShape(tensor.dims, config.layout);
  if (shape.batch !== 1 || shape.channels !== config.channels) {
    throw new FvError(
      'INVALID_IMAGE',
      `${what} must be one ${config.layout} image with ${config.channels} channel(s), got shape [${tensor.dims.join(', ')}]`,
    );
  }
  return toPlanar(tensor, config.layout);
}

/** The gradient the engine returned for `name`, checked for shape. */
export function gradientOf(
  gradients: Readonly<Record<string, Tensor>>,
  name: string,
  like: Tensor,
): Tensor {
  const g = gradients[name];
  if (!g) throw new FvError('INTERNAL', `The engine returned no gradient for input '${name}'`);
  if (g.data.length !== like.data.length) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `Gradient for '${name}' has shape [${g.dims.join(', ')}], the input has [${like.dims.join(', ')}]`,
    );
  }
  return g;
}

/** A copy of the tensor (data and dims). */
export function cloneTensor(t: Tensor): Tensor {
  return { data: new Float32Array(t.data), dims: [...t.dims] };
}

/** Tensor names an objective reads (recursively through sums). */
export function objectiveTensors(objective: { readonly kind: string }): string[] {
  const o = objective as {
    kind: string;
    tensor?: string;
    output?: string;
    terms?: readonly { objective: { kind: string } }[];
  };
  if (o.kind === 'sum') return (o.terms ?? []).flatMap((t) => objectiveTensors(t.objective));
  const name = o.tensor ?? o.output;
  return name === undefined ? [] : [name];
}

/**
 * Checks that the tensors an objective names exist, when the engine lists its layers (an engine
 * with an empty `layers` list is not checked).
 * @throws FvError `UNKNOWN_TENSOR` naming the tensor and a few similar names.
 */
export function checkObjectiveTensors(
  engine: Engine,
  objective: { readonly kind: string; readonly tensor?: string },
): void {
  const { layers, outputs, inputs } = engine.info;
  if (layers.length === 0) return;
  const known = new Set([
    ...layers.map((l) => l.name),
    ...outputs.map((o) => o.name),
    ...inputs.map((i) => i.name),
  ]);
  for (const name of objectiveTensors(objective)) {
    if (known.has(name)) continue;
    const stem = name.split('/').slice(0, 2).join('/');
    const similar = layers
      .map((l) => l.name)
      .filter((n) => n.startsWith(stem))
      .slice(0, 5);
    throw new FvError(
      'UNKNOWN_TENSOR',
      `Objective tensor '${name}' is not a layer of the model${similar.length ? ` (similar: ${similar.join(', ')})` : ''}`,
      { tensor: name },
    );
  }
}

// What the dream schedulers share: control options (seed, abort, progress), the model input they
// feed, value ranges and clipping.
import type { AbortSignalLike } from '../abort.js';
import type { Engine } from '../engine.js';
import { FvError } from '../errors.js';
import type { ReluMode } from '../objective.js';
import type { Tensor } from '../tensor.js';
import { imageShape } from './image.js';

/** Progress report of a dream scheduler, once per optimization step. */
export interface DreamProgress {
  /** Steps done so far, 1-based. */
  readonly step: number;
  /** Steps the whole run will take. */
  readonly totalSteps: number;
  /** Objective value measured at this step (before its update). */
  readonly value: number;
}

/** Options every dream scheduler takes. */
export interface DreamControlOptions {
  /**
   * Seed of the pseudo-random generator (jitter, random transforms, start noise). The same seed,
   * engine and options give the same frames. @defaultValue `0`
   */
  readonly seed?: number;
  /** Stops the run within one step; the iterator (or `run…` promise) rejects with `AbortError`. */
  readonly signal?: AbortSignalLike;
  /** Called after every step. */
  readonly onProgress?: (progress: DreamProgress) => void;
  /** Name of the model input the image is fed to. @defaultValue the engine's first input */
  readonly input?: string;
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

/** Clips a [N, C, H, W] image in place to per-channel ranges. */
export function clipImageInPlace(
  image: Tensor,
  ranges: readonly (readonly [number, number])[],
): void {
  const { n, c, h, w } = imageShape(image);
  const d = image.data;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const [lo, hi] = ranges[ch] as readonly [number, number];
      const base = (b * c + ch) * h * w;
      for (let i = base; i < base + h * w; i++) {
        const v = d[i] as number;
        d[i] = Math.min(Math.max(v, lo), hi);
      }
    }
  }
}

/** The model input a scheduler feeds, and its spatial size when the model fixes it. */
export interface ModelInput {
  readonly name: string;
  /** `[H, W]` when both are static numbers in the model, otherwise `undefined`. */
  readonly fixedSize: readonly [number, number] | undefined;
  /** Channels when static. */
  readonly channels: number | undefined;
  /** True when the batch dimension is free or larger than one. */
  readonly batchable: boolean;
}

/** Finds the model input by name (or the first one) and reads its static dims. */
export function modelInput(engine: Engine, name?: string): ModelInput {
  const inputs = engine.info.inputs;
  const info = name === undefined ? inputs[0] : inputs.find((i) => i.name === name);
  if (!info) {
    throw new FvError(
      'UNKNOWN_TENSOR',
      name === undefined
        ? 'The engine reports no model input'
        : `Input '${name}' is not a model input (inputs: ${inputs.map((i) => i.name).join(', ')})`,
    );
  }
  const d = info.dims;
  const isNum = (v: unknown): v is number => typeof v === 'number' && v > 0;
  const h = d[2];
  const w = d[3];
  return {
    name: info.name,
    fixedSize: d.length === 4 && isNum(h) && isNum(w) ? [h, w] : undefined,
    channels: isNum(d[1]) ? d[1] : undefined,
    batchable: !isNum(d[0]) || d[0] > 1,
  };
}

/** Checks a positive integer option. */
export function positiveInt(value: number, name: string, allowZero = false): number {
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${name} must be an integer ${allowZero ? '≥ 0' : '≥ 1'}, got ${String(value)}`,
    );
  }
  return value;
}

/** Checks a positive finite number option. */
export function positiveNumber(value: number, name: string, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`,
    );
  }
  return value;
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

/** Drains a frame iterator and returns the last frame's image. */
export async function lastImage<F extends { readonly image: Tensor }>(
  frames: AsyncIterable<F>,
  fallback: Tensor,
): Promise<Tensor> {
  let last: Tensor = fallback;
  for await (const frame of frames) last = frame.image;
  return last;
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

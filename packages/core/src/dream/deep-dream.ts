// Deep Dream (Mordvintsev, Olah & Tyka, 2015): gradient ascent on the input image so that a chosen
// layer responds more, at several scales (octaves), with jitter, normalized steps, tiles for
// large images, guided dreaming and a zoom feedback loop. The update follows the original Caffe
// notebook (github.com/google/deepdream, dream.ipynb); the standard-deviation normalization and
// tiling follow the TensorFlow 2 tutorial (tensorflow.org/tutorials/generative/deepdream).
import type { AbortSignalLike } from '../abort.js';
import { positiveInteger, positiveNumber } from '../checks.js';
import type { Engine } from '../engine.js';
import { FvError } from '../errors.js';
import { type ImageLike, isTensor } from '../image/convert.js';
import { roll, zoomCenter } from '../image/filter.js';
import { resizeImageTensor } from '../image/resize.js';
import { fromPlanar, imageShape } from '../image/shape.js';
import { checkAborted, type LoopProgress, type LoopRun, startLoop } from '../loop/run.js';
import type { Objective } from '../objective.js';
import type { ModelConfig } from '../preprocess/config.js';
import { createRng, type Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import {
  channelRanges,
  checkObjectiveTensors,
  clipImageInPlace,
  cloneTensor,
  type DreamControlOptions,
  type DreamInput,
  dreamInput,
  gradientOf,
  planarImage,
  type ValueRange,
} from './common.js';
import { type TileGradientFn, type TileLayout, tiledGradient } from './tiles.js';

/**
 * Guided dreaming (original notebook, "Controlling dreams"): at every position of `tensor`, the
 * gradient seed is the guide image's feature vector that best matches (largest dot product) the
 * current one, so the dream grows the guide's features.
 */
export interface GuideObjective {
  readonly kind: 'guide';
  /** Layer whose features are matched, as listed in `engine.info.layers`. */
  readonly tensor: string;
  /**
   * Guide image: an 8-bit image, or a normalized tensor in the model's layout (resized to the
   * model's input size when it is fixed).
   */
  readonly image: ImageLike | Tensor;
}

/**
 * What a dream maximizes: a layer (`mean-square`, the original "L2" objective, or `mean`), a
 * channel, a neuron, a weighted sum of those, or the features of a guide image.
 */
export type DreamObjective = Exclude<Objective, { kind: 'logit' }> | GuideObjective;

/** How the gradient is scaled before each step. */
export type StepNormalization =
  /** `x += stepSize / mean(|g|) · g` (original notebook). */
  | 'mean-abs'
  /** `x += stepSize · g / std(g)` (TF2 tutorial). */
  | 'std';

/**
 * How gradients of large images are computed.
 * - `'auto'`: models with a fixed input size get tiles of that size; models with free spatial
 *   dimensions get whole-image gradients up to `maxPixels` pixels and tiles of `tileSize` above.
 * - `'none'`: always the whole image (the model must accept its size).
 * - `{ tileSize }`: tiles of that size.
 */
export type Tiling = 'auto' | 'none' | { readonly tileSize: number | readonly [number, number] };

/** Options of {@link deepDream}. */
export interface DeepDreamOptions extends DreamControlOptions {
  /** What to maximize. Tensors are named as in `engine.info.layers`. */
  readonly objective: DreamObjective;
  /**
   * Valid input range, for clipping after every step (the original clips).
   * @defaultValue the model config's `valueRange`
   */
  readonly range?: ValueRange;
  /** Number of scales. @defaultValue `4` (original notebook `octave_n`) */
  readonly octaves?: number;
  /** Size ratio between successive octaves. @defaultValue `1.4` (original `octave_scale`; the TF2 tutorial uses 1.3) */
  readonly octaveScale?: number;
  /** Gradient steps per octave. @defaultValue `10` (original `iter_n`) */
  readonly steps?: number;
  /**
   * Step size in model input units. @defaultValue `1.5 / 255` of the range's span, which is the
   * original's `step_size` 1.5 on its 0..255 scale (0.0118 for a [-1, 1] model). With
   * `normalization: 'std'` the TF2 tutorial uses 0.01.
   */
  readonly stepSize?: number;
  /** Maximum random roll, in pixels, before each gradient. @defaultValue `32` (original `jitter`) */
  readonly jitter?: number;
  /** @defaultValue `'mean-abs'` (original notebook; the TF2 tutorial uses `'std'`) */
  readonly normalization?: StepNormalization;
  /** @defaultValue `'auto'` */
  readonly tiling?: Tiling;
  /** Largest whole-image gradient for free-size models under `'auto'`. @defaultValue `1024 * 1024` */
  readonly maxPixels?: number;
  /** Tile size for free-size models above `maxPixels`. @defaultValue `512` (TF2 tutorial) */
  readonly tileSize?: number;
  /**
   * Roll the tile grid by a random offset every step so that seams do not show (TF2 tutorial's
   * `random_roll`). Only used when the image is tiled. @defaultValue `true`
   */
  readonly rollTiles?: boolean;
}

/** One step of a dream (`step` counts over all octaves). */
export interface DreamFrame extends LoopProgress {
  /** Octave of this step, 0-based from the smallest scale. */
  readonly octave: number;
  readonly octaves: number;
  /** Objective value measured at this step (before its update). */
  readonly value: number;
  /**
   * The image after this step, normalized, in the model's layout, at this octave's size (the
   * last frame has the input's size).
   */
  readonly image: Tensor;
}

interface ResolvedDream {
  readonly octaves: number;
  readonly octaveScale: number;
  readonly steps: number;
  readonly stepSize: number;
  readonly jitter: number;
  readonly normalization: StepNormalization;
  readonly ranges: [number, number][];
}

function resolve(options: DeepDreamOptions, channels: number, fallback: ValueRange): ResolvedDream {
  const ranges = channelRanges(options.range ?? fallback, channels);
  const meanSpan = ranges.reduce((s, [lo, hi]) => s + (hi - lo), 0) / ranges.length;
  const normalization = options.normalization ?? 'mean-abs';
  if (normalization !== 'mean-abs' && normalization !== 'std') {
    throw new FvError(
      'INVALID_ARGUMENT',
      `normalization must be 'mean-abs' or 'std', got '${String(normalization)}'`,
    );
  }
  const octaveScale = positiveNumber(options.octaveScale ?? 1.4, 'octaveScale');
  if (octaveScale < 1)
    throw new FvError('INVALID_ARGUMENT', `octaveScale must be ≥ 1, got ${octaveScale}`);
  return {
    octaves: positiveInteger(options.octaves ?? 4, 'octaves'),
    octaveScale,
    steps: positiveInteger(options.steps ?? 10, 'steps', true),
    stepSize: positiveNumber(options.stepSize ?? (1.5 / 255) * meanSpan, 'stepSize'),
    jitter: positiveInteger(options.jitter ?? 32, 'jitter', true),
    normalization,
    ranges,
  };
}

/**
 * Sizes of the octaves from the input size down: each is the previous divided by `scale`,
 * rounded (as `scipy.ndimage.zoom` does), never below 1 pixel.
 */
export function octaveSizes(
  h: number,
  w: number,
  octaves: number,
  scale: number,
): [number, number][] {
  const sizes: [number, number][] = [[h, w]];
  for (let i = 1; i < octaves; i++) {
    const [ph, pw] = sizes[i - 1] as [number, number];
    sizes.push([Math.max(1, Math.round(ph / scale)), Math.max(1, Math.round(pw / scale))]);
  }
  return sizes;
}

/** `g` scaled by `stepSize / mean(|g|)` or `stepSize / std(g)`, added to `x` in place. */
export function applyNormalizedStep(
  x: Float32Array,
  g: Float32Array,
  stepSize: number,
  normalization: StepNormalization,
): void {
  let scale: number;
  if (normalization === 'mean-abs') {
    let s = 0;
    for (let i = 0; i < g.length; i++) s += Math.abs(g[i] as number);
    scale = stepSize / (s / g.length + 1e-8);
  } else {
    let mean = 0;
    for (let i = 0; i < g.length; i++) mean += g[i] as number;
    mean /= g.length;
    let v = 0;
    for (let i = 0; i < g.length; i++) v += ((g[i] as number) - mean) ** 2;
    scale = stepSize / (Math.sqrt(v / g.length) + 1e-8);
  }
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) + scale * (g[i] as number);
}

/**
 * The guided-dreaming seed: for each position of `x` ([1, C, H, W] features), the column of the
 * guide features `y` ([1, C, H', W']) with the largest dot product with it (original
 * `objective_guide`). Returns the seed (shaped like `x`) and the objective value Σ seed · x.
 */
export function guideSeed(x: Tensor, y: Tensor): { seed: Tensor; value: number } {
  const c = x.dims[1] ?? 0;
  const nx = x.data.length / c;
  const ny = y.data.length / c;
  if ((y.dims[1] ?? 0) !== c) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `Guide features have ${y.dims[1]} channels, the image's have ${c}`,
    );
  }
  const seed = new Float32Array(x.data.length);
  let value = 0;
  for (let p = 0; p < nx; p++) {
    let best = -Infinity;
    let arg = 0;
    for (let q = 0; q < ny; q++) {
      let dot = 0;
      for (let ch = 0; ch < c; ch++)
        dot += (x.data[ch * nx + p] as number) * (y.data[ch * ny + q] as number);
      if (dot > best) {
        best = dot;
        arg = q;
      }
    }
    for (let ch = 0; ch < c; ch++) seed[ch * nx + p] = y.data[ch * ny + arg] as number;
    value += best;
  }
  return { seed: { data: seed, dims: [...x.dims] }, value };
}

/** The per-tile gradient function of a dream objective (planar tiles). */
async function tileFunction(
  input: DreamInput,
  objective: DreamObjective,
  options: DeepDreamOptions,
  signal: AbortSignalLike | undefined,
): Promise<TileGradientFn> {
  const { engine, fixedSize } = input;
  const inputName = input.config.input;
  const relu = options.relu ?? 'standard';
  if (objective.kind !== 'guide') {
    return async (tile) => {
      const r = await engine.gradient(tile, objective, {
        wrt: [inputName],
        relu,
        ...(signal ? { signal } : {}),
      });
      return { value: r.value, gradient: gradientOf(r.gradients, inputName, tile) };
    };
  }
  let guide = planarImage(objective.image, input.config, 'guide image');
  const g = imageShape(guide.dims, 'NCHW');
  if (fixedSize && (g.height !== fixedSize[0] || g.width !== fixedSize[1])) {
    guide = resizeImageTensor(guide, fixedSize[0], fixedSize[1]);
  }
  const fwd = await engine.forward(guide, {
    outputs: [objective.tensor],
    ...(signal ? { signal } : {}),
  });
  const guideFeatures = fwd[objective.tensor];
  if (!guideFeatures)
    throw new FvError('UNKNOWN_TENSOR', `The engine returned no '${objective.tensor}'`);
  return async (tile) => {
    const out = await engine.forward(tile, {
      outputs: [objective.tensor],
      ...(signal ? { signal } : {}),
    });
    const x = out[objective.tensor];
    if (!x) throw new FvError('UNKNOWN_TENSOR', `The engine returned no '${objective.tensor}'`);
    const { seed, value } = guideSeed(x, guideFeatures);
    const r = await engine.gradient(
      tile,
      { kind: 'logit', output: objective.tensor },
      { wrt: [inputName], relu, seed, ...(signal ? { signal } : {}) },
    );
    return { value, gradient: gradientOf(r.gradients, inputName, tile) };
  };
}

function tileSizeFor(
  options: DeepDreamOptions,
  fixedSize: readonly [number, number] | undefined,
  h: number,
  w: number,
): readonly [number, number] | undefined {
  const tiling = options.tiling ?? 'auto';
  if (tiling === 'none') {
    if (fixedSize && (fixedSize[0] !== h || fixedSize[1] !== w)) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `tiling 'none' needs images of the model's fixed input size ${fixedSize[0]}×${fixedSize[1]}, got ${h}×${w} (use 'auto')`,
      );
    }
    return undefined;
  }
  if (typeof tiling === 'object') {
    const t = tiling.tileSize;
    const size = typeof t === 'number' ? ([t, t] as const) : t;
    positiveInteger(size[0], 'tileSize');
    positiveInteger(size[1], 'tileSize');
    if (fixedSize && (size[0] !== fixedSize[0] || size[1] !== fixedSize[1])) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `tileSize ${size[0]}×${size[1]} differs from the model's fixed input size ${fixedSize[0]}×${fixedSize[1]}`,
      );
    }
    return size;
  }
  if (fixedSize) return fixedSize;
  if (h * w <= (options.maxPixels ?? 1024 * 1024)) return undefined;
  const t = positiveInteger(options.tileSize ?? 512, 'tileSize');
  return [t, t];
}

/**
 * One Deep Dream step on `x` (in place): roll by a random jitter, gradient (tiled when needed),
 * roll back, normalized ascent step, clip. Returns the objective value.
 */
async function dreamStep(
  x: Tensor,
  fn: TileGradientFn,
  tile: readonly [number, number] | undefined,
  settings: ResolvedDream,
  rng: Rng,
  rollTiles: boolean,
): Promise<number> {
  const { height: h, width: w } = imageShape(x.dims, 'NCHW');
  const j = settings.jitter;
  const oy = j > 0 ? Math.floor(rng.next() * (2 * j + 1)) - j : 0;
  const ox = j > 0 ? Math.floor(rng.next() * (2 * j + 1)) - j : 0;
  let layout: TileLayout | undefined;
  if (tile) {
    const [th, tw] = tile;
    const exact = th === h && tw === w;
    layout = {
      tileHeight: th,
      tileWidth: tw,
      offsetY: rollTiles && !exact ? Math.floor(rng.next() * th) : 0,
      offsetX: rollTiles && !exact ? Math.floor(rng.next() * tw) : 0,
    };
  }
  const rolled = oy !== 0 || ox !== 0;
  let g: Tensor;
  let value: number;
  if (layout && !(layout.tileHeight === h && layout.tileWidth === w)) {
    // Tiles wrap around, so tiling the rolled image at an offset is tiling the image at that
    // offset minus the roll (the same pixels, gradients added in the same order): no rolls.
    const r = await tiledGradient(
      x,
      { ...layout, offsetY: layout.offsetY - oy, offsetX: layout.offsetX - ox },
      fn,
    );
    g = r.gradient;
    value = r.value;
  } else {
    const r = await tiledGradient(rolled ? roll(x, oy, ox) : x, layout, fn);
    g = rolled ? roll(r.gradient, -oy, -ox) : r.gradient;
    value = r.value;
  }
  applyNormalizedStep(x.data, g.data, settings.stepSize, settings.normalization);
  clipImageInPlace(x, settings.ranges);
  return value;
}

/** What crosses to a loop host for a Deep Dream. */
export interface DeepDreamRequest {
  readonly image: ImageLike | Tensor;
  readonly options: Omit<DeepDreamOptions, 'signal' | 'frameIntervalMs'>;
  readonly config?: ModelConfig;
}

/**
 * Deep Dream of `image` (an 8-bit image, normalized with `config` at its own size, or a
 * normalized tensor in the model's layout): one frame per gradient step; the result is the dream
 * at the input's size, normalized, in the model's layout.
 *
 * @example
 * const dreamed = await deepDream(engine, image, {
 *   objective: { kind: 'layer', tensor: 'MobilenetV2/expanded_conv_5/depthwise/Relu6' },
 * }, presets.tensorflow);
 * for await (const frame of deepDream(engine, image, options, config)) show(frame.image);
 */
export function deepDream(
  engine: Engine,
  image: ImageLike | Tensor,
  options: DeepDreamOptions,
  config?: ModelConfig,
): LoopRun<DreamFrame, Tensor> {
  return startLoop(engine, 'deep-dream', image, options, config, deepDreamFrames);
}

/** The Deep Dream loop, in place (the `'deep-dream'` loop kind). */
export async function* deepDreamFrames(
  engine: Engine,
  request: DeepDreamRequest,
  signal: AbortSignalLike | undefined,
): AsyncGenerator<DreamFrame, Tensor, undefined> {
  const { input, x } = dreamSource(engine, request);
  const frames = dreamPlanar(input, x, request.options, signal);
  for (;;) {
    const next = await frames.next();
    if (next.done) return fromPlanar(next.value, input.config.layout);
    yield { ...next.value, image: fromPlanar(next.value.image, input.config.layout) };
  }
}

/**
 * The model input of a dream over `request.image` (a free-size model runs at the image's size)
 * and the image as a planar model-input tensor.
 */
function dreamSource(
  engine: Engine,
  request: { readonly image: ImageLike | Tensor; readonly config?: ModelConfig },
): { input: DreamInput; x: Tensor } {
  const { image, config } = request;
  let size: readonly [number, number];
  if (isTensor(image)) {
    const shape = imageShape(image.dims, dreamInput(engine, config, [1, 1]).config.layout);
    size = [shape.height, shape.width];
  } else {
    size = [image.height, image.width];
  }
  const input = dreamInput(engine, config, size);
  return { input, x: planarImage(image, input.config) };
}

/** Deep Dream on a planar image; frames and result planar. */
async function* dreamPlanar(
  input: DreamInput,
  image: Tensor,
  options: Omit<DeepDreamOptions, 'signal' | 'frameIntervalMs'>,
  signal: AbortSignalLike | undefined,
): AsyncGenerator<DreamFrame, Tensor, undefined> {
  const shape = imageShape(image.dims, 'NCHW');
  const settings = resolve(options, shape.channels, input.config.valueRange);
  checkObjectiveTensors(input.engine, options.objective);
  const rng = createRng(options.seed ?? 0);
  checkAborted(signal);
  const fn = await tileFunction(input, options.objective, options, signal);

  const sizes = octaveSizes(shape.height, shape.width, settings.octaves, settings.octaveScale);
  const bases: Tensor[] = [image];
  for (let i = 1; i < sizes.length; i++) {
    const [h, w] = sizes[i] as [number, number];
    bases.push(resizeImageTensor(bases[i - 1] as Tensor, h, w));
  }
  const totalSteps = settings.steps * settings.octaves;
  let step = 0;
  let detail: Tensor | undefined;
  let x: Tensor = cloneTensor(image);
  for (let octave = 0; octave < settings.octaves; octave++) {
    const base = bases[settings.octaves - 1 - octave] as Tensor;
    const { height: h, width: w } = imageShape(base.dims, 'NCHW');
    x = cloneTensor(base);
    if (detail) {
      const d = resizeImageTensor(detail, h, w).data;
      for (let i = 0; i < x.data.length; i++) x.data[i] = (x.data[i] as number) + (d[i] as number);
    }
    const tile = tileSizeFor(options, input.fixedSize, h, w);
    for (let s = 0; s < settings.steps; s++) {
      checkAborted(signal);
      const value = await dreamStep(x, fn, tile, settings, rng, options.rollTiles ?? true);
      step++;
      yield { step, totalSteps, octave, octaves: settings.octaves, value, image: cloneTensor(x) };
    }
    const dd = new Float32Array(x.data.length);
    for (let i = 0; i < dd.length; i++) dd[i] = (x.data[i] as number) - (base.data[i] as number);
    detail = { data: dd, dims: [...x.dims] };
  }
  return x;
}

/** Options of {@link dreamZoom}. */
export interface DreamZoomOptions extends DeepDreamOptions {
  /** Number of frames. @defaultValue `100` (original notebook) */
  readonly frames?: number;
  /**
   * Zoom factor applied between frames. @defaultValue `1 / (1 - 0.05)`, the original notebook's
   * scale coefficient `s = 0.05`
   */
  readonly zoom?: number;
}

/** One frame of a zoom-feedback animation (`step` is the frame number, 1-based). */
export interface DreamZoomFrame extends LoopProgress {
  /** Frame index, 0-based. */
  readonly frame: number;
  readonly frames: number;
  /** Objective value at the last step of this frame's dream. */
  readonly value: number;
  /** The dreamed frame (before the zoom that seeds the next one), in the model's layout. */
  readonly image: Tensor;
}

/** What crosses to a loop host for a zoom animation. */
export interface DreamZoomRequest {
  readonly image: ImageLike | Tensor;
  readonly options: Omit<DreamZoomOptions, 'signal' | 'frameIntervalMs'>;
  readonly config?: ModelConfig;
}

/**
 * The zoom-feedback loop of the original notebook: dream, zoom into the centre slightly, dream
 * again on the result, and so on. Each frame is one animation frame; the result is the last
 * zoomed image.
 */
export function dreamZoom(
  engine: Engine,
  image: ImageLike | Tensor,
  options: DreamZoomOptions,
  config?: ModelConfig,
): LoopRun<DreamZoomFrame, Tensor> {
  return startLoop(engine, 'dream-zoom', image, options, config, dreamZoomFrames);
}

/** The zoom-feedback loop, in place (the `'dream-zoom'` loop kind). */
export async function* dreamZoomFrames(
  engine: Engine,
  request: DreamZoomRequest,
  signal: AbortSignalLike | undefined,
): AsyncGenerator<DreamZoomFrame, Tensor, undefined> {
  const { options } = request;
  const source = dreamSource(engine, request);
  const { input } = source;
  const layout = input.config.layout;
  const frames = positiveInteger(options.frames ?? 100, 'frames');
  const zoom = positiveNumber(options.zoom ?? 1 / 0.95, 'zoom');
  let frame = source.x;
  const ranges = channelRanges(
    options.range ?? input.config.valueRange,
    imageShape(frame.dims, 'NCHW').channels,
  );
  const seed = options.seed ?? 0;
  for (let i = 0; i < frames; i++) {
    let value = Number.NaN;
    let dreamed = frame;
    // A different seed per frame, derived from the run's seed, so that jitter differs per frame.
    for await (const f of dreamPlanar(
      input,
      frame,
      { ...options, seed: seed + i * 7919 },
      signal,
    )) {
      value = f.value;
      dreamed = f.image;
    }
    yield {
      step: i + 1,
      totalSteps: frames,
      frame: i,
      frames,
      value,
      image: fromPlanar(dreamed, layout),
    };
    frame = zoomCenter(dreamed, zoom);
    clipImageInPlace(frame, ranges);
  }
  return fromPlanar(frame, layout);
}

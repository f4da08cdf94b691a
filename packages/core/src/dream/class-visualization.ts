// Class visualization: an image that raises one class score S_c (the unnormalized logit). Two
// methods:
// - `'lucid'` (default): Lucid's feature visualization with the class logit as the objective
//   (`render_vis` on a channel of the logits layer): the unit visualization pipeline (Fourier
//   parameterization, decorrelated colour, standard transforms, Adam), see unit-visualization.ts.
// - `'simonyan'`: class model visualization (Simonyan, Vedaldi & Zisserman 2013, "Deep Inside
//   Convolutional Networks", section 2): find an image I maximizing S_c(I) − λ‖I‖² by gradient
//   ascent in pixel space from a grey (zero) or noise image. Blur every k steps and jitter are the
//   regularizers of Yosinski et al. 2015; the defaults are those of the Stanford CS231n
//   class-visualization assignment (l2_reg 1e-3, learning_rate 25 with L2-normalized gradient,
//   100 iterations, blur σ 0.5 every 10 steps, jitter 16).
import type { AbortSignalLike } from '../abort.js';
import { knownOptions, positiveInteger, positiveNumber } from '../checks.js';
import type { Engine } from '../engine.js';
import { FvError } from '../errors.js';
import type { ImageLike } from '../image/convert.js';
import { gaussianBlur, roll } from '../image/filter.js';
import { fromPlanar, imageShape } from '../image/shape.js';
import { checkAborted, type LoopProgress, type LoopRun, startLoop } from '../loop/run.js';
import type { ModelConfig } from '../preprocess/config.js';
import { createRng } from '../random.js';
import type { Tensor } from '../tensor.js';
import {
  channelRanges,
  clipImageInPlace,
  cloneTensor,
  type DreamControlOptions,
  dreamInput,
  gradientOf,
  planarImage,
  type ValueRange,
} from './common.js';
import {
  PIPELINE_OPTIONS,
  rgbToModelInput,
  type UnitVisualizationOptions,
  unitVisualizationFrames,
} from './unit-visualization.js';

/** What every class visualization takes. */
interface ClassVisualizationBase extends DreamControlOptions {
  /** Class index to maximize. */
  readonly classIndex: number;
  /**
   * Model output holding the unnormalized class scores (logits, not softmax).
   * @defaultValue the model config's `logits`
   */
  readonly output?: string;
}

/**
 * Lucid's feature visualization of the class logit: the unit visualization pipeline and its
 * options, with `{ kind: 'class', classIndex, output }` as the objective.
 */
export interface LucidClassVisualizationOptions
  extends ClassVisualizationBase,
    Pick<
      UnitVisualizationOptions,
      | 'size'
      | 'steps'
      | 'optimizer'
      | 'parameterization'
      | 'transforms'
      | 'totalVariation'
      | 'l1'
      | 'l2'
      | 'redirectRelu'
    > {
  /** @defaultValue `'lucid'` */
  readonly method?: 'lucid';
}

/** Class model visualization in pixel space (Simonyan et al. 2013, CS231n defaults). */
export interface SimonyanClassVisualizationOptions extends ClassVisualizationBase {
  readonly method: 'simonyan';
  /** Valid input range, for clipping after every step. @defaultValue the config's `valueRange` */
  readonly range?: ValueRange;
  /** Image size `[H, W]` when the model's size is free. @defaultValue the model's size, else 224 × 224 */
  readonly size?: readonly [number, number];
  /**
   * Start without a start image: all zeros in model input space (the mean image for mean-centred
   * inputs; Simonyan's start), or Gaussian noise with standard deviation `noiseStd`.
   * @defaultValue `'noise'` (CS231n)
   */
  readonly start?: 'zeros' | 'noise';
  /** Standard deviation of the start noise, in model input units. @defaultValue `0.1` of the range's span */
  readonly noiseStd?: number;
  /** @defaultValue `100` (CS231n `num_iterations`) */
  readonly steps?: number;
  /** Step length relative to the L2-normalized gradient: `x += lr · g / ‖g‖₂`. @defaultValue `25` (CS231n) */
  readonly learningRate?: number;
  /** Weight λ of the L2 penalty λ‖x‖². @defaultValue `1e-3` (CS231n `l2_reg`) */
  readonly l2?: number;
  /** Blur every k steps (0 turns blurring off). @defaultValue `10` (CS231n `blur_every`) */
  readonly blurEvery?: number;
  /** σ of the blur in pixels. @defaultValue `0.5` (CS231n) */
  readonly blurSigma?: number;
  /** Maximum random roll before each step (pixels). @defaultValue `16` (CS231n `max_jitter`) */
  readonly jitter?: number;
}

/**
 * Options of {@link classVisualization}: Lucid's pipeline (`method: 'lucid'`, the default) or
 * Simonyan et al.'s pixel-space ascent (`method: 'simonyan'`).
 */
export type ClassVisualizationOptions =
  | LucidClassVisualizationOptions
  | SimonyanClassVisualizationOptions;

/** One step of a class visualization. */
export interface VisualizationFrame extends LoopProgress {
  /** Objective value at this step, before its update (penalties included). */
  readonly value: number;
  /**
   * The image after this step, normalized, in the model's layout (`'lucid'`: at the optimized
   * size; `'simonyan'`: at the model's input size).
   */
  readonly image: Tensor;
}

/** What crosses to a loop host for a class visualization. */
export interface ClassVisualizationRequest {
  readonly image?: ImageLike | Tensor;
  readonly options: Omit<ClassVisualizationOptions, 'signal' | 'frameIntervalMs'>;
  readonly config?: ModelConfig;
}

/**
 * Class visualization: an image that raises one class score, from `image` (an 8-bit image or a
 * normalized tensor in the model's layout) or, without one, from random Fourier coefficients
 * (`'lucid'`) or noise or zeros (`'simonyan'`). One frame per step; the result is the final image,
 * normalized, in the model's layout (`'lucid'`: 128 × 128 unless `size` says otherwise).
 * @example
 * const image = await classVisualization(engine, undefined, { classIndex: 286 }, presets.tensorflow);
 * draw(tensorToImage(image, resolveModelConfig(engine.info, presets.tensorflow)));
 */
export function classVisualization(
  engine: Engine,
  image: ImageLike | Tensor | undefined,
  options: ClassVisualizationOptions,
  config?: ModelConfig,
): LoopRun<VisualizationFrame, Tensor> {
  return startLoop(engine, 'class-visualization', image, options, config, classVisualizationFrames);
}

/** The class visualization loop, in place (the `'class-visualization'` loop kind). */
export async function* classVisualizationFrames(
  engine: Engine,
  request: ClassVisualizationRequest,
  signal: AbortSignalLike | undefined,
): AsyncGenerator<VisualizationFrame, Tensor, undefined> {
  const { options } = request;
  const method = options.method ?? 'lucid';
  if (method === 'lucid') return yield* lucidClassFrames(engine, request, signal);
  if (method !== 'simonyan') {
    throw new FvError(
      'INVALID_ARGUMENT',
      `method must be 'lucid' or 'simonyan', got '${String(method)}'`,
    );
  }
  return yield* simonyanFrames(
    engine,
    { ...request, options: options as SimonyanClassVisualizationOptions },
    signal,
  );
}

const LUCID_OPTIONS: ReadonlySet<string> = new Set([
  ...PIPELINE_OPTIONS,
  'method',
  'classIndex',
  'output',
]);

const SIMONYAN_OPTIONS: ReadonlySet<string> = new Set([
  'method',
  'classIndex',
  'output',
  'range',
  'size',
  'start',
  'noiseStd',
  'steps',
  'learningRate',
  'l2',
  'blurEvery',
  'blurSigma',
  'jitter',
  'seed',
  'relu',
  'signal',
  'frameIntervalMs',
]);

/** `'lucid'`: the unit visualization loop with the class logit as its objective. */
async function* lucidClassFrames(
  engine: Engine,
  request: ClassVisualizationRequest,
  signal: AbortSignalLike | undefined,
): AsyncGenerator<VisualizationFrame, Tensor, undefined> {
  const {
    method: _,
    classIndex,
    output,
    ...rest
  } = request.options as LucidClassVisualizationOptions;
  knownOptions(request.options, LUCID_OPTIONS, "classVisualization (method 'lucid')");
  const frames = unitVisualizationFrames(
    engine,
    {
      ...(request.image ? { image: request.image } : {}),
      options: {
        ...rest,
        objective: { kind: 'class', classIndex, ...(output !== undefined ? { output } : {}) },
      },
      ...(request.config ? { config: request.config } : {}),
    },
    signal,
  );
  for (;;) {
    const next = await frames.next();
    if (next.done) {
      const config = dreamInput(engine, request.config, request.options.size).config;
      return rgbToModelInput(next.value, config);
    }
    const f = next.value;
    yield { step: f.step, totalSteps: f.totalSteps, value: f.value, image: f.image };
  }
}

/** `'simonyan'`: pixel-space gradient ascent with L2 decay, jitter and blur (CS231n). */
async function* simonyanFrames(
  engine: Engine,
  request: ClassVisualizationRequest & { readonly options: SimonyanClassVisualizationOptions },
  signal: AbortSignalLike | undefined,
): AsyncGenerator<VisualizationFrame, Tensor, undefined> {
  const { options, image } = request;
  knownOptions(options, SIMONYAN_OPTIONS, "classVisualization (method 'simonyan')");
  const input = dreamInput(engine, request.config, options.size);
  const { config } = input;
  const [h, w] = [config.height, config.width];
  if (
    options.size &&
    input.fixedSize &&
    (input.fixedSize[0] !== options.size[0] || input.fixedSize[1] !== options.size[1])
  ) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `size ${options.size[0]}×${options.size[1]} differs from the model's fixed input size ${input.fixedSize[0]}×${input.fixedSize[1]}`,
    );
  }
  const c = config.channels;
  const ranges = channelRanges(options.range ?? config.valueRange, c);
  const steps = positiveInteger(options.steps ?? 100, 'steps', true);
  const lr = positiveNumber(options.learningRate ?? 25, 'learningRate');
  const l2 = positiveNumber(options.l2 ?? 1e-3, 'l2', true);
  const blurEvery = positiveInteger(options.blurEvery ?? 10, 'blurEvery', true);
  const blurSigma = positiveNumber(options.blurSigma ?? 0.5, 'blurSigma', true);
  const jitter = positiveInteger(options.jitter ?? 16, 'jitter', true);
  if (!Number.isInteger(options.classIndex) || options.classIndex < 0) {
    throw new FvError(
      'OUT_OF_RANGE',
      `classIndex must be a non-negative integer, got ${options.classIndex}`,
    );
  }
  const output = options.output ?? config.logits;
  const rng = createRng(options.seed ?? 0);
  checkAborted(signal);

  let x: Tensor;
  if (image) {
    x = cloneTensor(planarImage(image, config, 'start image'));
    const s = imageShape(x.dims, 'NCHW');
    if (s.height !== h || s.width !== w) {
      throw new FvError(
        'SHAPE_MISMATCH',
        `start image must be ${w}×${h}, got shape [${x.dims.join(', ')}]`,
      );
    }
  } else {
    const start = options.start ?? 'noise';
    x = { data: new Float32Array(c * h * w), dims: [1, c, h, w] };
    if (start === 'noise') {
      for (let ch = 0; ch < c; ch++) {
        const [lo, hi] = ranges[ch] as [number, number];
        const std = options.noiseStd ?? 0.1 * (hi - lo);
        for (let i = ch * h * w; i < (ch + 1) * h * w; i++) x.data[i] = std * rng.normal();
      }
    } else if (start !== 'zeros') {
      throw new FvError(
        'INVALID_ARGUMENT',
        `start must be 'zeros' or 'noise' (or pass a start image), got '${String(start)}'`,
      );
    }
    clipImageInPlace(x, ranges);
  }

  const inputName = config.input;
  for (let step = 1; step <= steps; step++) {
    checkAborted(signal);
    const oy = jitter > 0 ? Math.floor(rng.next() * (jitter + 1)) : 0;
    const ox = jitter > 0 ? Math.floor(rng.next() * (jitter + 1)) : 0;
    const shifted = oy === 0 && ox === 0 ? x : roll(x, oy, ox);
    const r = await input.engine.gradient(
      shifted,
      { kind: 'logit', output },
      {
        wrt: [inputName],
        seed: options.classIndex,
        relu: options.relu ?? 'standard',
        ...(signal ? { signal } : {}),
      },
    );
    const g = roll(gradientOf(r.gradients, inputName, x), -oy, -ox).data;
    // d/dx [S_c(x) − λ‖x‖²] = ∇S_c − 2λx
    let norm2 = 0;
    let sq = 0;
    for (let i = 0; i < g.length; i++) {
      const xi = x.data[i] as number;
      const gi = (g[i] as number) - 2 * l2 * xi;
      g[i] = gi;
      norm2 += gi * gi;
      sq += xi * xi;
    }
    const value = r.value - l2 * sq;
    const scale = lr / (Math.sqrt(norm2) + 1e-12);
    for (let i = 0; i < g.length; i++) x.data[i] = (x.data[i] as number) + scale * (g[i] as number);
    clipImageInPlace(x, ranges);
    if (blurEvery > 0 && blurSigma > 0 && step % blurEvery === 0 && step < steps) {
      x = gaussianBlur(x, blurSigma);
    }
    yield { step, totalSteps: steps, value, image: fromPlanar(cloneTensor(x), config.layout) };
  }
  return fromPlanar(x, config.layout);
}

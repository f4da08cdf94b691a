// Class model visualization (Simonyan, Vedaldi & Zisserman 2013, "Deep Inside Convolutional
// Networks", section 2): find an image I maximizing S_c(I) − λ‖I‖², where S_c is the unnormalized
// class score, by gradient ascent from a grey (zero) or noise image. Blur every k steps and jitter
// are the regularizers of Yosinski et al. 2015; the defaults are those of the Stanford CS231n
// class-visualization assignment (l2_reg 1e-3, learning_rate 25 with L2-normalized gradient,
// 100 iterations, blur σ 0.5 every 10 steps, jitter 16).
import type { Engine } from '../engine.js';
import { abortError, FvError, throwIfAborted } from '../errors.js';
import { createRng } from '../random.js';
import type { Tensor } from '../tensor.js';
import {
  channelRanges,
  clipImageInPlace,
  type DreamControlOptions,
  gradientOf,
  modelInput,
  positiveInt,
  positiveNumber,
  type ValueRange,
} from './common.js';
import { cloneTensor, gaussianBlur, imageShape, roll } from './image.js';

/** Where a class visualization starts. */
export type StartImage =
  /** All zeros in model input space (the mean image for mean-centred inputs; Simonyan's start). */
  | 'zeros'
  /** Gaussian noise with standard deviation `noiseStd`. */
  | 'noise'
  /** A given image, NCHW in model input space. */
  | Tensor;

/** Options of {@link classVisualization}. */
export interface ClassVisualizationOptions extends DreamControlOptions {
  /** Class index to maximize. */
  readonly classIndex: number;
  /** Model output holding the unnormalized class scores (logits, not softmax). */
  readonly output: string;
  /** Valid input range, for clipping after every step. */
  readonly range: ValueRange;
  /** Image size when the model's size is free. @defaultValue the model's fixed size, else 224 × 224 */
  readonly size?: readonly [number, number];
  /** Channels when the model does not fix them. @defaultValue `3` */
  readonly channels?: number;
  /** @defaultValue `'noise'` (CS231n; Simonyan starts from zeros) */
  readonly start?: StartImage;
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

/** One step of a class or unit visualization. */
export interface VisualizationFrame {
  /** Steps done so far, 1-based. */
  readonly step: number;
  readonly totalSteps: number;
  /** Objective value at this step, before its update (penalties included). */
  readonly value: number;
  /** The image after this step, NCHW in model input space. */
  readonly image: Tensor;
}

/**
 * Class model visualization as an async iterable of frames, one per step.
 * @example
 * const image = await runClassVisualization(engine, {
 *   classIndex: 286, output: 'logits', range: [-1, 1],
 * });
 */
export async function* classVisualization(
  engine: Engine,
  options: ClassVisualizationOptions,
): AsyncGenerator<VisualizationFrame, Tensor, undefined> {
  const input = modelInput(engine, options.input);
  const [h, w] = options.size ?? input.fixedSize ?? [224, 224];
  if (input.fixedSize && (input.fixedSize[0] !== h || input.fixedSize[1] !== w)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `size ${h}×${w} differs from the model's fixed input size ${input.fixedSize[0]}×${input.fixedSize[1]}`,
    );
  }
  const c = input.channels ?? positiveInt(options.channels ?? 3, 'channels');
  const ranges = channelRanges(options.range, c);
  const steps = positiveInt(options.steps ?? 100, 'steps', true);
  const lr = positiveNumber(options.learningRate ?? 25, 'learningRate');
  const l2 = positiveNumber(options.l2 ?? 1e-3, 'l2', true);
  const blurEvery = positiveInt(options.blurEvery ?? 10, 'blurEvery', true);
  const blurSigma = positiveNumber(options.blurSigma ?? 0.5, 'blurSigma', true);
  const jitter = positiveInt(options.jitter ?? 16, 'jitter', true);
  if (!Number.isInteger(options.classIndex) || options.classIndex < 0) {
    throw new FvError(
      'OUT_OF_RANGE',
      `classIndex must be a non-negative integer, got ${options.classIndex}`,
    );
  }
  const rng = createRng(options.seed ?? 0);
  const { signal } = options;
  throwIfAborted(signal);

  let x: Tensor;
  const start = options.start ?? 'noise';
  if (typeof start === 'object') {
    const s = imageShape(start, 'start image');
    if (s.n !== 1 || s.c !== c || s.h !== h || s.w !== w) {
      throw new FvError(
        'SHAPE_MISMATCH',
        `start image must be [1, ${c}, ${h}, ${w}], got [${start.dims.join(', ')}]`,
      );
    }
    x = cloneTensor(start);
  } else {
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
        `start must be 'zeros', 'noise' or an image, got '${String(start)}'`,
      );
    }
    clipImageInPlace(x, ranges);
  }

  for (let step = 1; step <= steps; step++) {
    if (signal?.aborted) throw abortError(signal.reason);
    const oy = jitter > 0 ? Math.floor(rng.next() * (jitter + 1)) : 0;
    const ox = jitter > 0 ? Math.floor(rng.next() * (jitter + 1)) : 0;
    const shifted = oy === 0 && ox === 0 ? x : roll(x, oy, ox);
    const r = await engine.gradient(
      shifted,
      { kind: 'logit', output: options.output },
      {
        wrt: [input.name],
        seed: options.classIndex,
        relu: options.relu ?? 'standard',
        ...(signal ? { signal } : {}),
      },
    );
    const g = roll(gradientOf(r.gradients, input.name, x), -oy, -ox).data;
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
    options.onProgress?.({ step, totalSteps: steps, value });
    yield { step, totalSteps: steps, value, image: cloneTensor(x) };
  }
  return x;
}

/** Runs {@link classVisualization} to the end and resolves to the final image. */
export async function runClassVisualization(
  engine: Engine,
  options: ClassVisualizationOptions,
): Promise<Tensor> {
  let last: Tensor | undefined;
  for await (const frame of classVisualization(engine, options)) last = frame.image;
  if (!last)
    throw new FvError('INVALID_ARGUMENT', 'classVisualization ran 0 steps: nothing to return');
  return last;
}

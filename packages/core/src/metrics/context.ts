import type { AbortSignalLike } from '../abort.js';
import { positiveInteger } from '../checks.js';
import type { Engine } from '../engine.js';
import { FvError } from '../errors.js';
import type { ImageLike } from '../image/convert.js';
import type { ModelConfig } from '../preprocess/config.js';
import { createContext, type SaliencyContext } from '../saliency/context.js';
import type { Tensor } from '../tensor.js';
import type { CommonMetricOptions, MetricFrame } from './types.js';

/**
 * Prepares the input and resolves the target as the saliency methods do, with the metric's score
 * default.
 */
export function metricContext(
  engine: Engine,
  image: ImageLike | Tensor,
  options: CommonMetricOptions,
  config: ModelConfig | undefined,
  defaultScore: 'logit' | 'probability',
  signal: AbortSignalLike | undefined,
  onFrame?: (frame: MetricFrame) => Promise<void>,
): Promise<SaliencyContext> {
  return createContext(
    engine,
    image,
    { ...options, target: options.target ?? 'top', score: options.score ?? defaultScore },
    config,
    signal,
    onFrame,
  );
}

/** Checks that `t` has exactly the input's shape. */
export function checkLikeInput(ctx: SaliencyContext, t: Tensor, what: string): void {
  if (t.data.length !== ctx.input.data.length || t.dims.join() !== ctx.input.dims.join()) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `${what} has shape [${t.dims.join(', ')}] but the input is [${ctx.input.dims.join(', ')}]`,
    );
  }
}

/**
 * How many perturbations a metric uses: the given tensors (each checked against the input's
 * shape), or `samples` (a positive integer, default 10) drawn by the metric.
 */
export function perturbationCount(
  ctx: SaliencyContext,
  given: readonly Tensor[] | undefined,
  samples: number | undefined,
): number {
  if (given === undefined) return positiveInteger(samples ?? 10, 'samples');
  if (given.length === 0) throw new FvError('INVALID_ARGUMENT', 'perturbations is empty');
  given.forEach((t, k) => {
    checkLikeInput(ctx, t, `Perturbation ${k}`);
  });
  return given.length;
}

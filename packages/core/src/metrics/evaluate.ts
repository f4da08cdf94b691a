import type { AbortSignalLike } from '../abort.js';
import type { Engine } from '../engine.js';
import { FvError } from '../errors.js';
import type { ImageLike } from '../image/convert.js';
import { callbackFrames, type LoopRun, startLoop } from '../loop/run.js';
import type { ModelConfig } from '../preprocess/config.js';
import type { Tensor } from '../tensor.js';
import { metricContext } from './context.js';
import { deletionCurve } from './deletion.js';
import { infidelity } from './infidelity.js';
import { cascadingRandomization, checkModelsInPlace } from './randomization.js';
import { sensitivityMax } from './sensitivity.js';
import type { MetricFrame, MetricOptions, MetricResult, MetricResultOf } from './types.js';

/** What crosses to a loop host for a metric. */
export interface EvaluateRequest {
  readonly image: ImageLike | Tensor;
  readonly options: MetricOptions;
  readonly config?: ModelConfig;
}

/**
 * Measures how much to trust an explanation of `image` (an 8-bit image preprocessed with
 * `config`, or a normalized input tensor of batch 1): deletion and insertion curves, infidelity,
 * max-sensitivity or cascading model randomization. Batched and abortable like the saliency
 * methods; an engine that hosts loops (@fv/runtime's) computes it next to the model. Await it for
 * the result; iterate it for progress frames.
 *
 * @throws FvError `SHAPE_MISMATCH` (a map or attribution of the wrong size), `OUT_OF_RANGE`
 *   (target), `INVALID_ARGUMENT` (bad options), `ABORTED` (signal).
 * @example
 * const result = await saliency(engine, image, { method: 'smoothgrad', target: 'top' }, config);
 * const deletion = await evaluate(
 *   engine, image, { metric: 'deletion', target: result.target, map: result.map }, config,
 * );
 * deletion.auc; // lower is better
 */
export function evaluate<O extends MetricOptions>(
  engine: Engine,
  image: ImageLike | Tensor,
  options: O,
  config?: ModelConfig,
): LoopRun<MetricFrame, MetricResultOf<O>> {
  if (options.metric === 'randomization') checkModelsInPlace(engine, options.models);
  return startLoop(engine, 'evaluate', image, options, config, evaluateFrames) as LoopRun<
    MetricFrame,
    MetricResultOf<O>
  >;
}

/** The metric loop, in place (the `'evaluate'` loop kind). */
export function evaluateFrames(
  engine: Engine,
  request: EvaluateRequest,
  signal: AbortSignalLike | undefined,
): AsyncGenerator<MetricFrame, MetricResult, undefined> {
  return callbackFrames((emit) => computeMetric(engine, request, signal, emit));
}

async function computeMetric(
  engine: Engine,
  { image, options, config }: EvaluateRequest,
  signal: AbortSignalLike | undefined,
  onFrame: (frame: MetricFrame) => Promise<void>,
): Promise<MetricResult> {
  const metric = options.metric;
  const isCurve = metric === 'deletion' || metric === 'insertion';
  const ctx = await metricContext(
    engine,
    image,
    options,
    config,
    isCurve ? 'probability' : 'logit',
    signal,
    onFrame,
  );
  switch (options.metric) {
    case 'deletion':
    case 'insertion':
      return deletionCurve(ctx, options);
    case 'infidelity':
      return infidelity(ctx, options);
    case 'sensitivity':
      return sensitivityMax(ctx, options);
    case 'randomization':
      return cascadingRandomization(ctx, options);
    default: {
      const unknown: never = options;
      throw new FvError(
        'INVALID_ARGUMENT',
        `Unknown metric '${String((unknown as { metric: unknown }).metric)}'`,
      );
    }
  }
}

import type { AbortSignalLike } from '../abort.js';
import { oneOf } from '../checks.js';
import type { Engine } from '../engine.js';
import { FvError, throwIfAborted } from '../errors.js';
import type { ImageLike } from '../image/convert.js';
import { callbackFrames, type LoopProgress, type LoopRun, startLoop } from '../loop/run.js';
import type { ModelConfig } from '../preprocess/config.js';
import type { SaliencyOptions, SaliencyResult } from '../saliency/types.js';
import type { Tensor } from '../tensor.js';
import { metricContext } from './context.js';
import { deletionCurve } from './deletion.js';
import { infidelity } from './infidelity.js';
import { cascadingRandomization, checkModelsInPlace, randomizedModels } from './randomization.js';
import { explain, explanationOptions, sensitivityMax } from './sensitivity.js';
import type {
  CommonMetricOptions,
  CurveResult,
  DeletionOptions,
  InfidelityOptions,
  InfidelityResult,
  MetricName,
  PixelOrder,
  RandomizationOptions,
  RandomizationResult,
  SensitivityOptions,
  SensitivityResult,
} from './types.js';

type Settings<O, Own extends keyof O> = Omit<O, keyof CommonMetricOptions | 'metric' | Own>;

/** Options of {@link compareMethods}. */
export interface CompareOptions extends CommonMetricOptions {
  /**
   * The methods to compare (each one's `target` is replaced by the resolved one; include
   * `{ method: 'random' }` as the control).
   */
  readonly methods: readonly SaliencyOptions[];
  readonly metrics: readonly MetricName[];
  /** How deletion and insertion rank pixels by each method's signed map. @defaultValue `'absolute'` */
  readonly order?: PixelOrder;
  readonly deletion?: Settings<DeletionOptions, 'map' | 'order'>;
  readonly insertion?: Settings<DeletionOptions, 'map' | 'order'>;
  readonly infidelity?: Settings<InfidelityOptions, 'attribution'>;
  readonly sensitivity?: Settings<SensitivityOptions, 'saliency' | 'explanation'>;
  readonly randomization?: Settings<RandomizationOptions, 'saliency' | 'explanation'>;
}

/** A frame of {@link compareMethods}: progress, and what is being computed. */
export interface CompareFrame extends LoopProgress {
  /** The method being explained or scored. */
  readonly method: SaliencyOptions['method'];
  /** The metric being computed, or `'explanation'`. */
  readonly stage: MetricName | 'explanation';
}

/** One method's explanation and its scores. */
export interface MethodEvaluation {
  readonly method: SaliencyOptions['method'];
  readonly explanation: SaliencyResult;
  readonly deletion?: CurveResult;
  readonly insertion?: CurveResult;
  readonly infidelity?: InfidelityResult;
  readonly sensitivity?: SensitivityResult;
  readonly randomization?: RandomizationResult;
}

/** Result of {@link compareMethods}. */
export interface Comparison {
  /** The class every method explained. */
  readonly target: number;
  readonly methods: readonly MethodEvaluation[];
}

/** Every metric, in the order they are computed and reported. */
export const metricNames: readonly MetricName[] = [
  'deletion',
  'insertion',
  'infidelity',
  'sensitivity',
  'randomization',
];

/** What crosses to a loop host for a comparison. */
export interface CompareRequest {
  readonly image: ImageLike | Tensor;
  readonly options: CompareOptions;
  readonly config?: ModelConfig;
}

/**
 * Explains `image` with several methods and scores each explanation with the same metrics, for
 * the same class: the "which explanation to trust" table of a dashboard (and of `fv evaluate`).
 * Frames count one step per explanation and per metric of each method and say which is running.
 * @throws FvError `INVALID_ARGUMENT` for no methods or metrics, an unknown metric, or
 *   `randomization` on an engine that cannot randomize without `randomization.models`; and
 *   whatever the methods and metrics throw.
 * @example
 * const table = await compareMethods(engine, image, {
 *   methods: [{ method: 'vanilla', target: 'top' }, { method: 'random', target: 'top' }],
 *   metrics: ['deletion', 'randomization'],
 * }, config);
 * table.methods[0].deletion.auc;
 */
export function compareMethods(
  engine: Engine,
  image: ImageLike | Tensor,
  options: CompareOptions,
  config?: ModelConfig,
): LoopRun<CompareFrame, Comparison> {
  checkModelsInPlace(engine, options.randomization?.models);
  return startLoop(engine, 'compare-methods', image, options, config, compareFrames);
}

/** The comparison loop, in place (the `'compare-methods'` loop kind). */
export function compareFrames(
  engine: Engine,
  request: CompareRequest,
  signal: AbortSignalLike | undefined,
): AsyncGenerator<CompareFrame, Comparison, undefined> {
  return callbackFrames((emit) => compare(engine, request, signal, emit));
}

async function compare(
  engine: Engine,
  { image, options, config }: CompareRequest,
  signal: AbortSignalLike | undefined,
  emit: (frame: CompareFrame) => Promise<void>,
): Promise<Comparison> {
  const { methods, metrics } = options;
  if (methods.length === 0 || metrics.length === 0) {
    throw new FvError(
      'INVALID_ARGUMENT',
      'compareMethods needs at least one method and one metric',
    );
  }
  for (const m of metrics) {
    if (!metricNames.includes(m)) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Unknown metric '${String(m)}' (metrics: ${metricNames.join(', ')})`,
      );
    }
  }
  const order = oneOf(options.order ?? 'absolute', ['absolute', 'positive', 'signed'], 'order');
  const shared = options.batchSize !== undefined ? { batchSize: options.batchSize } : {};
  const base = await metricContext(
    engine,
    image,
    {
      ...shared,
      ...(options.target !== undefined ? { target: options.target } : {}),
      ...(options.preprocess ? { preprocess: options.preprocess } : {}),
    },
    config,
    'logit',
    signal,
  );
  // The randomized models are made (or checked) once, before any work.
  const models = metrics.includes('randomization')
    ? randomizedModels(base, options.randomization ?? {})
    : undefined;
  const totalSteps = methods.length * (1 + metrics.length);
  let step = 0;
  const tick = (method: SaliencyOptions['method'], stage: CompareFrame['stage']) =>
    emit({ step: ++step, totalSteps, method, stage });
  // Every metric runs on the prepared input tensor, for the resolved class.
  const context = (defaultScore: 'logit' | 'probability') =>
    metricContext(
      engine,
      base.input,
      { ...shared, target: base.target, ...(options.score ? { score: options.score } : {}) },
      base.config,
      defaultScore,
      signal,
    );

  const results: MethodEvaluation[] = [];
  for (const method of methods) {
    throwIfAborted(signal);
    const explanation = await explain(
      base,
      base.input,
      explanationOptions(base, method, options.batchSize),
    );
    await tick(method.method, 'explanation');
    const entry: { -readonly [K in keyof MethodEvaluation]: MethodEvaluation[K] } = {
      method: method.method,
      explanation,
    };
    for (const metric of metrics) {
      throwIfAborted(signal);
      switch (metric) {
        case 'deletion':
        case 'insertion':
          entry[metric] = await deletionCurve(await context('probability'), {
            ...options[metric],
            metric,
            map: explanation.map,
            order,
          });
          break;
        case 'infidelity':
          entry.infidelity = await infidelity(await context('logit'), {
            ...options.infidelity,
            metric,
            attribution: explanation.attribution,
          });
          break;
        case 'sensitivity':
          entry.sensitivity = await sensitivityMax(await context('logit'), {
            ...options.sensitivity,
            metric,
            saliency: method,
            explanation,
          });
          break;
        case 'randomization':
          entry.randomization = await cascadingRandomization(await context('logit'), {
            ...options.randomization,
            metric,
            saliency: method,
            models: models!,
            explanation,
          });
          break;
      }
      await tick(method.method, metric);
    }
    results.push(entry);
  }
  return { target: base.target, methods: results };
}

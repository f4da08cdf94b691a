import { positiveInteger } from '../checks.js';
import type { Engine } from '../engine.js';
import { FvError, throwIfAborted } from '../errors.js';
import type { Map2D } from '../image/map.js';
import type { SaliencyContext } from '../saliency/context.js';
import { explain, explanationOptions } from './sensitivity.js';
import { spearman, ssim } from './similarity.js';
import type {
  RandomizationOptions,
  RandomizationResult,
  RandomizationStep,
  RandomizedModels,
} from './types.js';

/** |map| scaled to [0, 1] by its maximum (an all-zero map stays zero). */
export function absoluteScaled(map: Map2D): Map2D {
  let max = 0;
  for (const v of map.data) max = Math.max(max, Math.abs(v));
  const data = new Float32Array(map.data.length);
  if (max > 0) for (let i = 0; i < data.length; i++) data[i] = Math.abs(map.data[i]!) / max;
  return { data, width: map.width, height: map.height };
}

/**
 * How similar two saliency maps are, as Adebayo et al. report it: the Spearman rank correlation of
 * the absolute maps |S| and of the signed maps S, and the SSIM of the absolute maps scaled to
 * [0, 1] (7 × 7 windows, or the largest odd size that fits a smaller map; NaN below 3 × 3).
 * Pass the signed maps (`SaliencyResult.map`) of two explanations, for example of the same method
 * on a model and on its data-randomized twin.
 * @throws FvError `SHAPE_MISMATCH` for maps of different sizes.
 */
export function mapSimilarity(
  a: Map2D,
  b: Map2D,
): { spearmanAbsolute: number; spearmanSigned: number; ssim: number } {
  if (a.width !== b.width || a.height !== b.height) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `mapSimilarity needs maps of one size, got ${a.width}×${a.height} and ${b.width}×${b.height}`,
    );
  }
  const side = Math.min(a.width, a.height);
  const windowSize = Math.min(7, side % 2 === 1 ? side : side - 1);
  return {
    spearmanAbsolute: spearman(a.data.map(Math.abs), b.data.map(Math.abs)),
    spearmanSigned: spearman(a.data, b.data),
    ssim: windowSize >= 3 ? ssim(absoluteScaled(a), absoluteScaled(b), { windowSize }) : Number.NaN,
  };
}

/**
 * `count` cascade points from 1 to `layers` (top layers randomized), evenly spread, both ends
 * included; every layer when `count` ≥ `layers`.
 */
export function cascadePoints(layers: number, count: number): number[] {
  if (count >= layers) return Array.from({ length: layers }, (_, k) => k + 1);
  if (count === 1) return [layers];
  const points = new Set<number>();
  for (let i = 0; i < count; i++) points.add(1 + Math.round((i * (layers - 1)) / (count - 1)));
  return [...points];
}

/** The cascade points: increasing counts of top layers in 1 … `layers`. */
function cascadeSteps(
  steps: readonly number[] | undefined,
  points: number | undefined,
  layers: number,
): number[] {
  if (layers === 0) {
    throw new FvError('INVALID_ARGUMENT', 'The model has no parameterized layers to randomize');
  }
  const list =
    steps ??
    cascadePoints(layers, points !== undefined ? positiveInteger(points, 'points') : layers);
  if (list.length === 0) throw new FvError('INVALID_ARGUMENT', 'Randomization steps are empty');
  list.forEach((k, i) => {
    if (!(Number.isInteger(k) && k >= 1 && k <= layers && (i === 0 || k > list[i - 1]!))) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Randomization steps must increase within 1..${layers}; got [${list.join(', ')}]`,
      );
    }
  });
  return [...list];
}

/**
 * Refuses randomized models given to an engine that hosts loops: they are functions, which cannot
 * cross to the worker (and the hosting engine randomizes its own model there).
 */
export function checkModelsInPlace(engine: Engine, models: RandomizedModels | undefined): void {
  if (models && typeof engine.run === 'function') {
    throw new FvError(
      'INVALID_ARGUMENT',
      'Randomized models (options.models) only work with engines that run loops in place; this engine hosts loops and randomizes its own model: leave models out',
    );
  }
}

/** The randomized models: the given ones, else the engine's own. */
export function randomizedModels(
  ctx: SaliencyContext,
  options: Pick<RandomizationOptions, 'models' | 'init' | 'seed'>,
): RandomizedModels {
  if (options.models) return options.models;
  if (!ctx.engine.randomizedModels) {
    throw new FvError(
      'INVALID_ARGUMENT',
      'This engine cannot randomize its model: pass the randomized models as options.models ' +
        "(@fv/runtime's engines randomize their own)",
    );
  }
  return ctx.engine.randomizedModels({
    ...(options.init ? { init: options.init } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
}

/** Cascading model-parameter randomization. */
export async function cascadingRandomization(
  ctx: SaliencyContext,
  options: RandomizationOptions,
): Promise<RandomizationResult> {
  const models = randomizedModels(ctx, options);
  const counts = cascadeSteps(options.steps, options.points, models.layers.length);
  const method = explanationOptions(ctx, options.saliency, options.batchSize);
  ctx.plan(counts.length + (options.explanation ? 0 : 1));
  const original = options.explanation ?? (await explain(ctx, ctx.input, method));
  if (!options.explanation) await ctx.advance();
  const steps: RandomizationStep[] = [];
  for (const count of counts) {
    throwIfAborted(ctx.signal);
    const engine = await models.randomize(count);
    try {
      const randomized = await explain(ctx, ctx.input, method, engine);
      steps.push({
        count,
        layer: models.layers[count - 1]!,
        ...mapSimilarity(original.map, randomized.map),
        map: randomized.map,
      });
    } finally {
      await engine.dispose();
    }
    await ctx.advance();
  }
  return {
    metric: 'randomization',
    target: ctx.target,
    score: ctx.scoreKind,
    original: original.map,
    steps,
  };
}

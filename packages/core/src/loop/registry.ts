// The registry of long loops: one entry per loop kind, mapping it to the generator that runs it in
// place. A worker that hosts loops (@fv/runtime) runs any registered kind through `runInPlace`;
// `startLoop` (run.ts) is what each public loop function calls. Adding a loop: its generator and
// public function in its own file, one line here, one export in index.ts (CONTRIBUTING says more).
import type { AbortSignalLike } from '../abort.js';
import { classVisualizationFrames } from '../dream/class-visualization.js';
import { deepDreamFrames, dreamZoomFrames } from '../dream/deep-dream.js';
import { unitVisualizationFrames } from '../dream/unit-visualization.js';
import type { Engine } from '../engine.js';
import { FvError } from '../errors.js';
import { compareFrames } from '../metrics/compare.js';
import { evaluateFrames } from '../metrics/evaluate.js';
import { datasetExamplesFrames } from '../microscope/dataset-examples.js';
import { saliencyFrames } from '../saliency/saliency.js';

const loops = {
  saliency: saliencyFrames,
  evaluate: evaluateFrames,
  'compare-methods': compareFrames,
  'deep-dream': deepDreamFrames,
  'dream-zoom': dreamZoomFrames,
  'unit-visualization': unitVisualizationFrames,
  'class-visualization': classVisualizationFrames,
  'dataset-examples': datasetExamplesFrames,
} as const;

type Loops = typeof loops;

/** The loop kinds, as `engine.run` requests name them. */
export type LoopKind = keyof Loops;

// biome-ignore lint/suspicious/noExplicitAny: matching any generator function
type AnyLoop = (engine: Engine, request: any, signal: any) => AsyncGenerator<unknown, unknown>;

/** The arguments of loop `K` as they cross to a host: image, options (no signal), config. */
export type LoopArguments<K extends LoopKind> = Parameters<Loops[K]>[1];

/** A request to run a loop: `{ kind, image?, options, config? }`. */
export type LoopRequest<K extends LoopKind = LoopKind> = K extends LoopKind
  ? { readonly kind: K } & LoopArguments<K>
  : never;

/** The frames loop `K` yields. */
export type LoopFrame<K extends LoopKind = LoopKind> = Loops[K] extends (
  ...args: never[]
) => AsyncGenerator<infer F, unknown>
  ? F
  : never;

/** The result loop `K` returns. */
export type LoopResult<K extends LoopKind = LoopKind> = Loops[K] extends (
  ...args: never[]
) => AsyncGenerator<unknown, infer R>
  ? R
  : never;

/** The registered kinds. */
export const loopKinds: readonly LoopKind[] = Object.keys(loops) as LoopKind[];

/**
 * Runs a loop request in place on `engine` (what a loop host does with the requests it gets).
 * @throws FvError `INVALID_ARGUMENT` for an unknown kind.
 */
export function runInPlace(
  engine: Engine,
  request: LoopRequest,
  signal?: AbortSignalLike,
): AsyncGenerator<LoopFrame, LoopResult, undefined> {
  const loop = (loops as Record<string, AnyLoop | undefined>)[request.kind];
  if (!loop) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Unknown loop kind '${String(request.kind)}' (kinds: ${loopKinds.join(', ')})`,
    );
  }
  return loop(engine, request, signal) as AsyncGenerator<LoopFrame, LoopResult, undefined>;
}

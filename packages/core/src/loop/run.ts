// How a long loop is run: every loop of fv (saliency, Deep Dream, unit and class visualization, …)
// is an async generator of frames that returns its result. `startLoop` is what each public loop
// function calls: an engine that hosts loops (`engine.run`, as @fv/runtime's worker engine) gets
// the request and streams frames back; any other engine runs the generator in place. Either way
// the caller holds a `LoopRun`: iterate it for frames (progress), await it for the result.
import type { AbortSignalLike } from '../abort.js';
import type { Engine } from '../engine.js';
import { abortError, FvError } from '../errors.js';
import type { ModelConfig } from '../preprocess/config.js';
import type { LoopFrame, LoopKind, LoopRequest, LoopResult } from './registry.js';

/** Where a loop is: every frame of every loop carries it (the one progress mechanism). */
export interface LoopProgress {
  /** Steps done so far, 1-based. */
  readonly step: number;
  /** Steps the whole run takes. */
  readonly totalSteps: number;
}

/** Options every loop takes besides its own. */
export interface LoopOptions {
  /** Stops the run within one step; the run rejects (and its iteration throws) with `AbortError`. */
  readonly signal?: AbortSignalLike;
  /**
   * With an engine that hosts loops elsewhere (@fv/runtime's worker): the least time between two
   * frames sent back; frames in between are skipped, the last one is always sent. In place every
   * step yields a frame. @defaultValue 100
   */
  readonly frameIntervalMs?: number;
}

/**
 * A running loop: an async iterable of frames (one per step in place, throttled when hosted) that
 * is also a promise of the result. Nothing starts until it is iterated or awaited; iterate it once.
 * Breaking out of the iteration stops the loop (the result then rejects with `AbortError`).
 * @example
 * for await (const frame of deepDream(engine, image, options, config)) draw(frame.image);
 * const dreamed = await deepDream(engine, image, options, config);
 */
export interface LoopRun<F, R> extends AsyncIterable<F>, PromiseLike<R> {
  /** The result (starts the loop without frames when it has not started). */
  readonly result: Promise<R>;
}

/** What an engine that hosts loops implements (see {@link Engine.run}). */
export interface LoopControl {
  readonly signal?: AbortSignalLike;
  readonly frameIntervalMs?: number;
}

/** A request to run a loop: its kind and the arguments of its public function. */
export type { LoopRequest } from './registry.js';

interface Deferred<R> {
  readonly promise: Promise<R>;
  resolve(value: R): void;
  reject(error: unknown): void;
}

function deferred<R>(): Deferred<R> {
  let resolve!: (value: R) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<R>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Iterating callers may never look at the result: its rejection is not "unhandled".
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** The common part of every {@link LoopRun}: started once, by iteration or for the result. */
function runOf<F, R>(
  drain: () => Promise<R>,
  iterate: (done: Deferred<R>) => AsyncIterator<F>,
): LoopRun<F, R> {
  const done = deferred<R>();
  let started = false;
  return {
    get result() {
      if (!started) {
        started = true;
        drain().then(done.resolve, done.reject);
      }
      return done.promise;
    },
    // biome-ignore lint/suspicious/noThenProperty: a LoopRun is awaitable by design
    then(onFulfilled, onRejected) {
      return this.result.then(onFulfilled, onRejected);
    },
    [Symbol.asyncIterator](): AsyncIterator<F> {
      if (started) {
        throw new FvError('INVALID_ARGUMENT', 'A loop run is iterated once, before it is awaited');
      }
      started = true;
      return iterate(done);
    },
  };
}

/**
 * A {@link LoopRun} over a source that pushes frames (a loop hosted elsewhere). `start` is called
 * once, with a frame sink when the run is iterated, and with a signal that aborts when the
 * iteration is left early; it resolves to the result. A consumer slower than the frames sees the
 * newest one.
 */
export function pushedRun<F, R>(
  start: (sink: ((frame: F) => void) | undefined, stop: AbortSignalLike) => Promise<R>,
): LoopRun<F, R> {
  const stop = stopSignal();
  return runOf<F, R>(
    () => start(undefined, stop.signal),
    (done) => {
      let pending: { frame: F } | undefined;
      let wake: (() => void) | undefined;
      let finished = false;
      start((frame) => {
        pending = { frame };
        wake?.();
      }, stop.signal).then(done.resolve, done.reject);
      done.promise
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          finished = true;
          wake?.();
        });
      return {
        async next(): Promise<IteratorResult<F>> {
          for (;;) {
            if (pending) {
              const { frame } = pending;
              pending = undefined;
              return { done: false, value: frame };
            }
            if (finished) {
              await done.promise; // throws the loop's error
              return { done: true, value: undefined };
            }
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = undefined;
          }
        },
        async return(): Promise<IteratorResult<F>> {
          if (!finished) stop.abort();
          await done.promise.catch(() => undefined);
          return { done: true, value: undefined };
        },
      };
    },
  );
}

/** A minimal abortable signal (core runs without DOM or Node types). */
function stopSignal(): { signal: AbortSignalLike; abort(): void } {
  const listeners = new Set<() => void>();
  const signal = {
    aborted: false,
    reason: 'the loop iteration was left early' as unknown,
    addEventListener: (_type: 'abort', listener: () => void) => listeners.add(listener),
    removeEventListener: (_type: 'abort', listener: () => void) => listeners.delete(listener),
  };
  return {
    signal,
    abort() {
      if (signal.aborted) return;
      signal.aborted = true;
      for (const listener of listeners) listener();
    },
  };
}

/** Runs a frame generator in place as a {@link LoopRun}: the consumer pulls every frame. */
export function generatorRun<F, R>(
  create: (signal: AbortSignalLike | undefined) => AsyncGenerator<F, R, undefined>,
  signal: AbortSignalLike | undefined,
): LoopRun<F, R> {
  return runOf<F, R>(
    async () => {
      const frames = create(signal);
      for (;;) {
        const next = await frames.next();
        if (next.done) return next.value;
      }
    },
    (done) => {
      const frames = create(signal);
      return {
        async next(): Promise<IteratorResult<F>> {
          try {
            const next = await frames.next();
            if (!next.done) return next;
            done.resolve(next.value);
            return { done: true, value: undefined };
          } catch (error) {
            done.reject(error);
            throw error;
          }
        },
        async return(): Promise<IteratorResult<F>> {
          await frames.return(undefined as never).catch(() => undefined);
          done.reject(abortError('the loop iteration was left early'));
          return { done: true, value: undefined };
        },
      };
    },
  );
}

/**
 * The public face of a loop: hands `{ kind, image, options, config }` to an engine that hosts
 * loops (`engine.run`), else runs `local` in place. `options.signal` and `options.frameIntervalMs`
 * stay on this side.
 */
export function startLoop<K extends LoopKind>(
  engine: Engine,
  kind: K,
  image: unknown,
  options: LoopOptions,
  config: ModelConfig | undefined,
  local: (
    engine: Engine,
    request: LoopRequest<K>,
    signal: AbortSignalLike | undefined,
  ) => AsyncGenerator<LoopFrame<K>, LoopResult<K>, undefined>,
): LoopRun<LoopFrame<K>, LoopResult<K>> {
  const { signal, frameIntervalMs, ...rest } = options;
  const request = {
    kind,
    ...(image !== undefined ? { image } : {}),
    options: rest,
    ...(config ? { config } : {}),
  } as unknown as LoopRequest<K>;
  if (typeof engine.run === 'function') {
    return engine.run(request, {
      ...(signal ? { signal } : {}),
      ...(frameIntervalMs !== undefined ? { frameIntervalMs } : {}),
    }) as LoopRun<LoopFrame<K>, LoopResult<K>>;
  }
  return generatorRun((s) => local(engine, request, s), signal);
}

/**
 * An async generator over a function that reports frames through a callback (for loops written
 * with callbacks inside, such as the saliency methods). `emit` resolves once the frame was taken,
 * so the function runs no further ahead of its consumer than a generator would.
 */
export async function* callbackFrames<F, R>(
  run: (emit: (frame: F) => Promise<void>) => Promise<R>,
): AsyncGenerator<F, R, undefined> {
  const queue: { frame: F; taken: (error?: unknown) => void }[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let left = false;
  const result = run(
    (frame) =>
      new Promise<void>((resolve, reject) => {
        if (left) reject(abortError('the loop iteration was left early'));
        queue.push({ frame, taken: (error) => (error ? reject(error) : resolve()) });
        wake?.();
      }),
  ).finally(() => {
    finished = true;
    wake?.();
  });
  result.catch(() => undefined);
  let current: { frame: F; taken: (error?: unknown) => void } | undefined;
  try {
    for (;;) {
      current = queue.shift();
      if (current) {
        yield current.frame;
        current.taken();
        current = undefined;
        continue;
      }
      if (finished) return await result;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    // Left early: the producer stops at its next frame.
    if (!finished) {
      left = true;
      const stop = abortError('the loop iteration was left early');
      current?.taken(stop);
      for (const pending of queue) pending.taken(stop);
    }
  }
}

/** Throws `AbortError` when `signal` is aborted (used between steps). */
export function checkAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw abortError(signal.reason);
}

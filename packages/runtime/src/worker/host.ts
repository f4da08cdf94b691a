// The worker's API: a thin host over a backend provider (onnxruntime-web's builds, native), the loaded
// model's sessions, recovery and @fv/core's loop registry. Requests are objects; each carries its
// call id, and every request runs after the ones before it (onnxruntime's WebGPU provider has one
// queue: concurrent session creation or runs break it). Methods never throw: they return an
// Envelope, so FvError codes cross comlink intact. `createHost` is also usable in-process (the
// tests wire it over a MessageChannel).
import {
  decodeModel,
  inspectModel,
  type ModelInput,
  type ModelSummary,
  parameterizedLayers,
  randomizeLayers,
  summarizeModel,
} from '@fv/autodiff';
import {
  type AbortSignalLike,
  abortError,
  configuredInputShapes,
  type Engine,
  type EngineInfo,
  FvError,
  type LoopFrame,
  type LoopRequest,
  type LoopResult,
  type ModelConfig,
  type Objective,
  type RandomInit,
  type RandomizedModels,
  runInPlace,
} from '@fv/core';
import { serializeError } from '../shared/errors.js';
import type {
  Envelope,
  HostStats,
  LoadSettings,
  WireGradientOptions,
  WireGradientResult,
  WireTensor,
} from '../shared/protocol.js';
import type { Backend, BackendProvider, BackendSession, ExecutionBackend } from './backend.js';
import { type Counters, type LoadedModel, loadedModel, nameNodes, openBase } from './model.js';
import { withRecovery } from './recovery.js';

/** How `backendReason` names each backend. */
const BACKEND_NAMES: Readonly<Record<ExecutionBackend, string>> = {
  native: 'the native backend (CPU)',
  webgpu: 'WebGPU',
  wasm: 'wasm',
};

/** A forward request. */
export interface ForwardCall {
  readonly callId: number;
  readonly input: WireTensor;
  readonly outputs?: readonly string[];
}

/** A gradient request. */
export interface GradientCall {
  readonly callId: number;
  readonly input: WireTensor;
  readonly objective: Objective;
  readonly options: WireGradientOptions;
}

/** A loop request: any kind of `@fv/core`'s registry. */
export interface RunCall {
  readonly callId: number;
  readonly request: LoopRequest;
  /** At most one frame per this many milliseconds (the last one always). @defaultValue 100 */
  readonly frameIntervalMs?: number;
}

/** Where a hosted loop's frames go (a comlink-proxied callback of the client). */
export type FrameSink = (frame: LoopFrame) => unknown;

/**
 * Lets queued messages (aborts) in: onnxruntime's wasm runs resolve through microtasks only, so a
 * chain of runs would otherwise never give the worker's message handler a turn.
 */
function yieldToEvents(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  // Not scheduler.yield(): its continuation is prioritized ahead of queued tasks, so a pending
  // abort message would still wait (a hosted Deep Dream kept streaming frames after Stop).
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** True at most once every `ms` milliseconds. */
function every(ms: number): () => boolean {
  let previous = -Infinity;
  return () => {
    const now = performance.now();
    if (now - previous < ms) return false;
    previous = now;
    return true;
  };
}

/**
 * Inputs, outputs, layers and attention for `engine.info`: `@fv/autodiff`'s `inspectModel`
 * (inferred shapes, differentiability by its gradient rules, token layouts), or its
 * `summarizeModel` (no shape inference) when that fails.
 */
function describe(
  model: ModelInput,
  summary: ModelSummary,
  config: ModelConfig | undefined,
): Pick<EngineInfo, 'inputs' | 'outputs' | 'layers' | 'attention'> {
  try {
    const inspection = inspectModel(model, {
      inputShapes: configuredInputShapes(summary.inputs, config),
    });
    return {
      inputs: inspection.inputs,
      outputs: inspection.outputs,
      layers: inspection.layers,
      attention: inspection.attention,
    };
  } catch {
    return { inputs: summary.inputs, outputs: summary.outputs, layers: summary.layers };
  }
}

/** Calls in flight, and which of them the client aborted. */
function callRegistry() {
  const active = new Set<number>();
  const aborted = new Set<number>();
  const listeners = new Map<number, Set<() => void>>();
  return {
    begin(callId: number) {
      active.add(callId);
    },
    end(callId: number) {
      active.delete(callId);
      aborted.delete(callId);
      listeners.delete(callId);
    },
    abort(callId: number) {
      if (!active.has(callId)) return; // already finished: nothing to stop
      aborted.add(callId);
      for (const listener of listeners.get(callId) ?? []) listener();
    },
    /** Throws `AbortError` when the call was aborted (after letting queued messages in). */
    async check(callId: number | undefined) {
      if (callId === undefined) return;
      await yieldToEvents();
      if (aborted.has(callId)) throw abortError();
    },
    /** An AbortSignal-like view of a call's abort state, for core's loops in the worker. */
    signal(callId: number): AbortSignalLike {
      return {
        get aborted() {
          return aborted.has(callId);
        },
        reason: undefined,
        addEventListener(_type, listener) {
          const set = listeners.get(callId) ?? new Set();
          listeners.set(callId, set);
          set.add(listener);
        },
        removeEventListener(_type, listener) {
          listeners.get(callId)?.delete(listener);
        },
      };
    },
  };
}

/** Creates the worker-side API over a backend provider. */
export function createHost(provider: BackendProvider) {
  let model: LoadedModel | undefined;
  let settings: LoadSettings = { backend: 'auto' };
  let disposed = false;
  let queue: Promise<unknown> = Promise.resolve();
  /** Set when the backend changed after load (WebGPU failure → wasm); the next reply carries info. */
  let infoChanged = false;
  let loopEngineMs = 0;
  const counters: Counters = { sessionsCreated: 0, gradientModelsBuilt: 0, runs: 0 };
  const calls = callRegistry();

  function current(): LoadedModel {
    if (disposed) throw new FvError('DISPOSED', 'The engine has been disposed');
    if (!model) throw new FvError('INTERNAL', 'No model loaded in the worker');
    return model;
  }

  async function release(): Promise<void> {
    const m = model;
    model = undefined;
    await m?.release();
  }

  const recovery = {
    provider,
    counters,
    get settings() {
      return settings;
    },
    model: current,
    async replace(next: LoadedModel) {
      await release();
      model = next;
      infoChanged = true;
    },
  };

  /** Runs `task` after every earlier request; all onnxruntime calls go through here. */
  function serial<T>(task: () => Promise<T>): Promise<T> {
    const next = queue.then(task);
    queue = next.catch(() => undefined);
    return next;
  }

  /** The engine info once after a backend change (the next reply carries it), else nothing. */
  function changedInfo(): { info?: EngineInfo } {
    if (!infoChanged || !model) return {};
    infoChanged = false;
    return { info: model.info };
  }

  async function envelope<T>(callId: number | undefined, task: () => Promise<T>) {
    if (callId !== undefined) calls.begin(callId);
    try {
      const value = await serial(task);
      return { ok: true, value, ...changedInfo() } as Envelope<T>;
    } catch (error) {
      // A call that failed or was aborted after the backend changed still carries the new info.
      return { ok: false, error: serializeError(error), ...changedInfo() } as Envelope<T>;
    } finally {
      if (callId !== undefined) calls.end(callId);
    }
  }

  const forward = (callId: number | undefined, input: WireTensor, outputs?: readonly string[]) =>
    withRecovery(recovery, (m) => m.forward(input, outputs, () => calls.check(callId)));
  const gradient = (
    callId: number | undefined,
    input: WireTensor,
    objective: Objective,
    options: WireGradientOptions,
  ) =>
    withRecovery(recovery, (m) => m.gradient(input, objective, options, () => calls.check(callId)));

  /**
   * The engine core's loops see inside the worker: direct calls, no message round trips. On the
   * loaded model (with WebGPU → wasm recovery), or on `model`, a randomized copy of it.
   */
  function localEngine(callId: number, model?: LoadedModel): Engine {
    const on = <T>(task: (m: LoadedModel) => Promise<T>): Promise<T> => {
      const started = performance.now();
      return (model ? task(model) : withRecovery(recovery, task)).finally(() => {
        loopEngineMs += performance.now() - started;
      });
    };
    const check = () => calls.check(callId);
    return {
      get info() {
        return (model ?? current()).info;
      },
      forward: (input, options) => on((m) => m.forward(input, options?.outputs, check)),
      gradient: (input, objective, options = {}) =>
        on((m) =>
          m.gradient(
            input,
            objective,
            {
              ...(options.wrt ? { wrt: options.wrt } : {}),
              ...(options.keep ? { keep: options.keep } : {}),
              ...(options.relu ? { relu: options.relu } : {}),
              ...(options.seed !== undefined ? { seed: options.seed } : {}),
            },
            check,
          ),
        ),
      dispose: async () => {
        if (model) await model.release();
      },
      ...(model ? {} : { randomizedModels: (o) => randomizedModels(callId, o) }),
    };
  }

  /**
   * The cascading randomization's models (Adebayo et al. 2018): the loaded model with its top
   * `count` parameterized layers re-initialized by `@fv/autodiff`, each on its own sessions on the
   * same backend, released when the loop disposes it.
   */
  function randomizedModels(
    callId: number,
    options: { readonly init?: RandomInit; readonly seed?: number } = {},
  ): RandomizedModels {
    const m = current();
    const layers = parameterizedLayers(m.bytes).map((layer) => layer.name);
    return {
      layers,
      async randomize(count) {
        await calls.check(callId);
        const bytes = randomizeLayers(m.bytes, { ...options, layers: layers.slice(0, count) });
        const base = await openBase(m.backend, bytes, m.summary, counters);
        return localEngine(
          callId,
          loadedModel(m.backend, bytes, m.summary, m.info, base, counters),
        );
      },
    };
  }

  async function load(bytes: Uint8Array, requested: LoadSettings): Promise<EngineInfo> {
    // Decoded once for both views (weights stay views into `bytes`, not copies).
    const decoded = decodeModel(bytes);
    const summary = summarizeModel(decoded);
    const auto = requested.backend === 'auto';
    const order = auto ? provider.auto : [requested.backend];
    const passedOver: string[] = [];
    let chosen: { backend: Backend; base: BackendSession } | undefined;
    for (const [i, kind] of order.entries()) {
      const fallback = i === order.length - 1;
      const unavailable = await provider.unavailable(kind);
      if (unavailable) {
        if (!auto || fallback) throw new FvError('BACKEND_UNAVAILABLE', unavailable);
        passedOver.push(`${BACKEND_NAMES[kind]} unavailable: ${unavailable}`);
        continue;
      }
      const backend = await provider.open(kind, requested);
      if (fallback) {
        chosen = { backend, base: await openBase(backend, bytes, summary, counters) };
        break;
      }
      counters.sessionsCreated++;
      try {
        chosen = { backend, base: await backend.createSession(bytes, 'BACKEND_UNAVAILABLE') };
        break;
      } catch (error) {
        const fv = error instanceof FvError ? nameNodes(error, summary) : error;
        if (!auto || (fv as FvError).code === 'INVALID_MODEL') throw fv;
        passedOver.push(
          `session creation on ${BACKEND_NAMES[kind]} failed: ${(fv as Error).message}`,
        );
      }
    }
    if (!chosen) throw new FvError('INTERNAL', 'No backend to try');
    const { backend, base } = chosen;
    const reason = !auto
      ? `backend '${backend.kind}' was requested`
      : passedOver.length > 0
        ? `${passedOver.join('; ')}; using ${BACKEND_NAMES[backend.kind]}`
        : `${backend.description}; session created there`;
    const info: EngineInfo = {
      ...describe(decoded, summary, requested.config),
      ...(requested.config ? { config: requested.config } : {}),
      backend: backend.kind,
      backendReason: reason,
    };
    settings = requested;
    model = loadedModel(backend, bytes, summary, info, base, counters);
    return info;
  }

  return {
    /** Loads a model (the buffer is the worker's from then on). */
    load(bytes: Uint8Array, requested: LoadSettings): Promise<Envelope<EngineInfo>> {
      return envelope(undefined, async () => {
        if (disposed) throw new FvError('DISPOSED', 'The engine has been disposed');
        await release();
        return load(bytes, requested);
      });
    },
    forward(call: ForwardCall): Promise<Envelope<Record<string, WireTensor>>> {
      return envelope(call.callId, () => forward(call.callId, call.input, call.outputs));
    },
    gradient(call: GradientCall): Promise<Envelope<WireGradientResult>> {
      return envelope(call.callId, () =>
        gradient(call.callId, call.input, call.objective, call.options),
      );
    },
    /**
     * Runs a loop of `@fv/core`'s registry (`call.request.kind`) next to the model: one request,
     * frames streamed to `sink` (at most one per `frameIntervalMs`, always the last, which arrives
     * before the result). Resolves to the loop's result.
     */
    run(call: RunCall, sink?: FrameSink): Promise<Envelope<LoopResult>> {
      const { callId, request, frameIntervalMs = 100 } = call;
      return envelope(callId, async () => {
        const due = every(frameIntervalMs);
        const frames = runInPlace(localEngine(callId), request, calls.signal(callId));
        for (;;) {
          const next = await frames.next();
          if (next.done) return next.value;
          const frame = next.value;
          if (!sink) continue;
          const last = frame.step >= frame.totalSteps;
          if (!last && !due()) continue;
          const sent = Promise.resolve(sink(frame));
          // The last frame is delivered before the result (they travel on different ports).
          if (last) await sent.catch(() => undefined);
          else sent.catch(() => undefined);
        }
      });
    },
    /** Marks a call as aborted: it stops before its next onnxruntime run. */
    abort(callId: number): void {
      calls.abort(callId);
    },
    stats(): HostStats {
      return { ...counters, loopEngineMs };
    },
    /** Releases every session. Later calls fail with `DISPOSED`. */
    dispose(): Promise<Envelope<void>> {
      return envelope(undefined, async () => {
        disposed = true;
        await release();
      });
    },
  };
}

/** The API the worker exposes through comlink; the client imports only this type. */
export type WorkerApi = ReturnType<typeof createHost>;

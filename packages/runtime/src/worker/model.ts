// A model loaded on a backend, with its session cache: the base session, forward sessions with
// extra outputs (intermediate tensors), and gradient sessions built by @fv/autodiff, kept per
// objective, options and input shape (least recently used released beyond GRADIENT_CACHE_SIZE).
// Where @fv/autodiff's static shape inference cannot tell a tensor's shape for an input size
// (data-dependent shapes), the model runs once with those tensors as extra outputs and the
// gradient model is built with the shapes observed.
import {
  appendGraphOutputs,
  buildGradientModel,
  type ModelSummary,
  unresolvedShapes,
} from '@fv/autodiff';
import { type EngineInfo, FvError, type Objective, type TensorInfo } from '@fv/core';
import type { WireGradientOptions, WireGradientResult, WireTensor } from '../shared/protocol.js';
import type { Backend, BackendSession } from './backend.js';
import { checkInput, concatBatch, seedTensor, sliceBatch } from './batching.js';

/** Gradient sessions kept per model; the least recently used one is released beyond this. */
export const GRADIENT_CACHE_SIZE = 16;

/** Counters shared by every model a host loads. */
export interface Counters {
  sessionsCreated: number;
  gradientModelsBuilt: number;
  runs: number;
}

interface GradientEntry {
  readonly session: BackendSession;
  readonly valueOutput: string;
  readonly gradientOutputs: Readonly<Record<string, string>>;
  readonly keptOutputs: Readonly<Record<string, string>>;
  readonly seedInputs: readonly string[];
}

/** Throws `AbortError` when the call was aborted (awaited between runs). */
export type AbortCheck = () => Promise<void>;

/** A model on a backend, and what runs it. */
export interface LoadedModel {
  readonly backend: Backend;
  readonly bytes: Uint8Array;
  readonly summary: ModelSummary;
  readonly info: EngineInfo;
  forward(
    input: WireTensor,
    outputs: readonly string[] | undefined,
    check: AbortCheck,
  ): Promise<Record<string, WireTensor>>;
  gradient(
    input: WireTensor,
    objective: Objective,
    options: WireGradientOptions,
    check: AbortCheck,
  ): Promise<WireGradientResult>;
  /** Releases every session (a session that failed to build has nothing to release). */
  release(): Promise<void>;
}

/** Adds the nodes of the op onnxruntime could not run to an `UNSUPPORTED_OP` message. */
export function nameNodes(error: FvError, summary: ModelSummary): FvError {
  if (error.code !== 'UNSUPPORTED_OP') return error;
  const op = summary.nodes.find((n) => new RegExp(`\\b${n.opType}\\b`).test(error.message));
  if (!op) return error;
  const names = summary.nodes.filter((n) => n.opType === op.opType).map((n) => `'${n.name}'`);
  const named = new FvError(
    'UNSUPPORTED_OP',
    `onnxruntime cannot run op ${op.opType} (node ${names.join(', ')}): ${error.message}`,
    { ...error.details, opType: op.opType, nodes: names },
  );
  if (error.stack) named.stack = error.stack;
  return named;
}

/** The base session of `bytes` on `backend`, with unsupported ops named. */
export async function openBase(
  backend: Backend,
  bytes: Uint8Array,
  summary: ModelSummary,
  counters: Counters,
): Promise<BackendSession> {
  counters.sessionsCreated++;
  try {
    return await backend.createSession(bytes, 'INVALID_MODEL');
  } catch (error) {
    throw error instanceof FvError ? nameNodes(error, summary) : error;
  }
}

/** A model whose base session is open. */
export function loadedModel(
  backend: Backend,
  bytes: Uint8Array,
  summary: ModelSummary,
  info: EngineInfo,
  base: BackendSession,
  counters: Counters,
): LoadedModel {
  const forwardSessions = new Map<string, Promise<BackendSession>>();
  const gradients = new Map<string, Promise<GradientEntry>>();

  const declaredInput = (): TensorInfo => {
    const input = summary.inputs[0];
    if (!input) throw new FvError('INVALID_MODEL', 'The model has no inputs');
    return input;
  };

  const open = (model: Uint8Array, fallback: 'INVALID_MODEL' | 'INTERNAL') => {
    counters.sessionsCreated++;
    return backend.createSession(model, fallback);
  };

  const run = (
    session: BackendSession,
    feeds: Record<string, WireTensor>,
    fetches: readonly string[],
  ) => {
    counters.runs++;
    return session.run(feeds, fetches);
  };

  const checkNames = (names: readonly string[], what: string): void => {
    for (const name of names) {
      if (!summary.tensorNames.has(name)) {
        const outputs = summary.outputs.map((o) => o.name).join(', ');
        throw new FvError(
          'UNKNOWN_TENSOR',
          `${what} '${name}' is not a tensor of the model (outputs: ${outputs}; engine.info.layers lists the rest)`,
          { tensor: name },
        );
      }
    }
  };

  /** A cached session, dropped from the cache when it fails to build. */
  function cached<T>(cache: Map<string, Promise<T>>, key: string, build: () => Promise<T>) {
    let pending = cache.get(key);
    if (pending) {
      // Most recently used last.
      cache.delete(key);
      cache.set(key, pending);
      return pending;
    }
    pending = build();
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
    return pending;
  }

  /** The base session, or one with `extra` (sorted, not graph outputs) as extra outputs. */
  function forwardSession(extra: readonly string[]): Promise<BackendSession> {
    if (extra.length === 0) return Promise.resolve(base);
    return cached(forwardSessions, extra.join('\n'), () =>
      open(
        appendGraphOutputs(
          bytes,
          extra.map((name) => ({ name, elemType: summary.elemTypes.get(name) })),
        ),
        'INVALID_MODEL',
      ),
    );
  }

  /**
   * Shapes static inference cannot tell for input dims `feed.dims`, as one forward run on `feed`
   * shows them (undefined when inference tells every shape).
   */
  async function observeShapes(
    feed: WireTensor,
  ): Promise<Record<string, readonly number[]> | undefined> {
    const declared = declaredInput();
    const graphOutputs = new Set(summary.outputs.map((o) => o.name));
    const unknown = unresolvedShapes(bytes, { inputShapes: { [declared.name]: feed.dims } });
    if (unknown.length === 0) return undefined;
    const extra = unknown.filter((n) => !graphOutputs.has(n)).sort();
    const session = await forwardSession(extra);
    const out = await run(session, { [declared.name]: feed }, unknown);
    return Object.fromEntries(unknown.map((name) => [name, out[name]!.dims]));
  }

  /**
   * The gradient session for these options and run dims; `first` is the first input it runs on
   * (what the model runs on when shapes must be observed).
   */
  function gradientEntry(
    objective: Objective,
    options: WireGradientOptions,
    first: WireTensor,
  ): Promise<GradientEntry> {
    const runDims = first.dims;
    const key = JSON.stringify([
      objective,
      options.relu ?? 'standard',
      options.wrt ?? null,
      options.keep ?? null,
      runDims,
    ]);
    const entry = cached(gradients, key, async () => {
      counters.gradientModelsBuilt++;
      const observedShapes = await observeShapes(first);
      const gm = buildGradientModel(bytes, {
        ...(observedShapes ? { observedShapes } : {}),
        objective,
        ...(options.wrt ? { wrt: options.wrt } : {}),
        ...(options.keep ? { keep: options.keep } : {}),
        ...(options.relu ? { relu: options.relu } : {}),
        ...backend.gradientTuning,
        inputShapes: { [declaredInput().name]: runDims },
      });
      const session = await open(gm.bytes, 'INTERNAL');
      return {
        session,
        valueOutput: gm.valueOutput,
        gradientOutputs: gm.gradientOutputs,
        keptOutputs: gm.keptOutputs,
        seedInputs: Object.values(gm.seedInputs),
      };
    });
    while (gradients.size > GRADIENT_CACHE_SIZE) {
      const [oldest, evicted] = gradients.entries().next().value as [
        string,
        Promise<GradientEntry>,
      ];
      gradients.delete(oldest);
      evicted.then((e) => e.session.release()).catch(() => undefined);
    }
    return entry;
  }

  return {
    backend,
    bytes,
    summary,
    info,

    async forward(input, outputs, check) {
      await check();
      const declared = declaredInput();
      const runs = checkInput(input, declared);
      const wanted = outputs ?? summary.outputs.map((o) => o.name);
      checkNames(wanted, 'Output');
      const graphOutputs = new Set(summary.outputs.map((o) => o.name));
      const fetches = wanted.filter((n) => n !== declared.name);
      const extra = [...new Set(fetches.filter((n) => !graphOutputs.has(n)))].sort();
      const session = await forwardSession(extra);
      const parts: Record<string, WireTensor>[] = [];
      for (let i = 0; i < runs; i++) {
        await check();
        const feed = runs === 1 ? input : sliceBatch(input, i, runs);
        parts.push(await run(session, { [declared.name]: feed }, fetches));
      }
      await check();
      const result: Record<string, WireTensor> = {};
      for (const name of wanted) {
        result[name] =
          name === declared.name
            ? { data: input.data.slice(), dims: [...input.dims] }
            : concatBatch(parts.map((p) => p[name]!));
      }
      return result;
    },

    async gradient(input, objective, options, check) {
      await check();
      const declared = declaredInput();
      const runs = checkInput(input, declared);
      const runDims = runs === 1 ? [...input.dims] : [1, ...input.dims.slice(1)];
      const entry = await gradientEntry(
        objective,
        options,
        runs === 1 ? input : sliceBatch(input, 0, runs),
      );
      const wrt = Object.keys(entry.gradientOutputs);
      const keep = Object.keys(entry.keptOutputs);
      const fetches = [
        entry.valueOutput,
        ...wrt.map((n) => entry.gradientOutputs[n]!),
        ...keep.map((n) => entry.keptOutputs[n]!),
      ];
      let value = 0;
      const parts: Record<string, WireTensor>[] = [];
      for (let i = 0; i < runs; i++) {
        await check();
        const feeds: Record<string, WireTensor> = {
          [declared.name]: runs === 1 ? input : sliceBatch(input, i, runs),
        };
        for (const seed of entry.seedInputs) {
          const shape = entry.session.inputShape(seed) ?? [];
          feeds[seed] = seedTensor(seed, shape, options.seed, runDims, i, runs);
        }
        const out = await run(entry.session, feeds, fetches);
        for (const v of out[entry.valueOutput]!.data) value += v;
        parts.push(out);
      }
      await check();
      const gradients: Record<string, WireTensor> = {};
      for (const n of wrt)
        gradients[n] = concatBatch(parts.map((p) => p[entry.gradientOutputs[n]!]!));
      const kept: Record<string, WireTensor> = {};
      for (const n of keep) kept[n] = concatBatch(parts.map((p) => p[entry.keptOutputs[n]!]!));
      return { value, gradients, kept };
    },

    async release() {
      const sessions: Promise<BackendSession>[] = [
        Promise.resolve(base),
        ...forwardSessions.values(),
        ...[...gradients.values()].map((p) => p.then((e) => e.session)),
      ];
      forwardSessions.clear();
      gradients.clear();
      for (const s of sessions) {
        try {
          await (await s).release();
        } catch {
          // a session that failed to build has nothing to release
        }
      }
    },
  };
}

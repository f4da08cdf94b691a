// The worker side of the engine: owns onnxruntime-web, the model and its gradient models, and runs
// every request one at a time (onnxruntime's WebGPU provider has one queue; concurrent session
// creation or runs break it). Methods never throw: they return an Envelope, so FvError codes cross
// comlink intact. `createHost` is also usable in-process (tests wire it over a MessageChannel).
import {
  appendGraphOutputs,
  buildGradientModel,
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
  type Engine,
  type EngineInfo,
  FvError,
  type FvErrorCode,
  type LoopFrame,
  type LoopRequest,
  type LoopResult,
  type Objective,
  type RandomInit,
  type RandomizedModels,
  runInPlace,
  sizeOf,
  type TensorInfo,
} from '@fv/core';
import { type Endpoint, expose, releaseProxy, transfer } from 'comlink';
import type * as OrtModule from 'onnxruntime-web';
import {
  type BackendPreference,
  buffersOf,
  type Envelope,
  type LoadSettings,
  serializeError,
  toFvError,
  type WireGradientOptions,
  type WireTensor,
} from './protocol.js';

type Ort = typeof OrtModule;
type Session = OrtModule.InferenceSession;

const isNode =
  typeof process !== 'undefined' && typeof process.versions === 'object' && !!process.versions.node;

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

/** Gradient sessions kept per engine; the least recently used one is released beyond this. */
const GRADIENT_CACHE_SIZE = 16;

// Specifiers in variables: bundlers must not pull onnxruntime's Node build into browser bundles.
const ORT_NODE = 'onnxruntime-web';

async function importOrt(kind: 'webgpu' | 'wasm'): Promise<Ort> {
  if (isNode) return (await import(/* webpackIgnore: true */ /* @vite-ignore */ ORT_NODE)) as Ort;
  return kind === 'webgpu'
    ? ((await import('onnxruntime-web/webgpu')) as Ort)
    : ((await import('onnxruntime-web/wasm')) as Ort);
}

/** Why WebGPU cannot be used here, or `undefined` when an adapter and a device can be had. */
async function probeWebGpu(): Promise<string | undefined> {
  if (isNode) return 'WebGPU is not available in Node (onnxruntime-web runs on wasm there)';
  type Gpu = {
    requestAdapter(): Promise<{ requestDevice(): Promise<{ destroy(): void }> } | null>;
  };
  const gpu = (globalThis.navigator as { gpu?: Gpu } | undefined)?.gpu;
  if (!gpu) return 'navigator.gpu is missing (this browser or context has no WebGPU)';
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'navigator.gpu.requestAdapter() returned no adapter';
    const device = await adapter.requestDevice();
    device.destroy();
    return undefined;
  } catch (error) {
    return `WebGPU adapter or device request failed: ${(error as Error).message ?? String(error)}`;
  }
}

interface GradientEntry {
  readonly session: Session;
  readonly valueOutput: string;
  readonly gradientOutputs: Readonly<Record<string, string>>;
  readonly keptOutputs: Readonly<Record<string, string>>;
  readonly seedInputs: readonly string[];
  readonly seedShapes: Readonly<Record<string, readonly (number | string)[]>>;
}

interface Loaded {
  readonly ort: Ort;
  readonly executionProvider: 'webgpu' | 'wasm';
  readonly settings: LoadSettings;
  readonly bytes: Uint8Array;
  readonly summary: ModelSummary;
  readonly info: EngineInfo;
  readonly base: Session;
  /** Forward sessions with extra outputs, by sorted output list. */
  readonly forwardSessions: Map<string, Promise<Session>>;
  /** Gradient sessions by cache key, in least-recently-used order. */
  readonly gradients: Map<string, Promise<GradientEntry>>;
}

/**
 * Inputs, outputs and layers for `engine.info`: `@fv/autodiff`'s `inspectModel` (inferred shapes,
 * differentiability by its gradient rules), or its `summarizeModel` (no shape inference) when that
 * fails.
 */
function describe(
  model: ModelInput,
  summary: ModelSummary,
): Pick<EngineInfo, 'inputs' | 'outputs' | 'layers'> {
  try {
    const inspection = inspectModel(model);
    return { inputs: inspection.inputs, outputs: inspection.outputs, layers: inspection.layers };
  } catch {
    return { inputs: summary.inputs, outputs: summary.outputs, layers: summary.layers };
  }
}

/** Result of a gradient request on the wire. */
export interface WireGradientResult {
  readonly value: number;
  readonly gradients: Record<string, WireTensor>;
  readonly kept: Record<string, WireTensor>;
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

/** Every ArrayBuffer under plain objects and arrays (a few levels deep), for transfer lists. */
function collectBuffers(value: unknown, into = new Set<ArrayBuffer>(), depth = 0): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) into.add(value.buffer);
  } else if (value && typeof value === 'object' && depth < 4) {
    for (const v of Object.values(value)) collectBuffers(v, into, depth + 1);
  }
  return [...into];
}

/** Counters that tests and benchmarks read. */
export interface HostStats {
  readonly sessionsCreated: number;
  readonly gradientModelsBuilt: number;
  readonly runs: number;
}

/** Marks an error as coming from onnxruntime itself (not from fv's own checks). */
function fromOnnxruntime(error: FvError): FvError {
  if (error.details?.onnxruntime) return error;
  const marked = new FvError(error.code, error.message, { ...error.details, onnxruntime: true });
  if (error.stack) marked.stack = error.stack;
  return marked;
}

function toFloat32(data: unknown): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array)
    return Float32Array.from(data, (v) => Number(v));
  if (ArrayBuffer.isView(data)) return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new FvError('INVALID_ARGUMENT', 'Output tensor is not numeric');
}

function ownedCopy(data: Float32Array): Float32Array {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
}

function concatBatch(parts: readonly WireTensor[]): WireTensor {
  if (parts.length === 1) return parts[0]!;
  const first = parts[0]!;
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p.data, offset);
    offset += p.data.length;
  }
  return { data, dims: [parts.length * first.dims[0]!, ...first.dims.slice(1)] };
}

function sliceBatch(t: WireTensor, index: number, count: number): WireTensor {
  const per = t.data.length / count;
  return {
    data: t.data.subarray(index * per, (index + 1) * per),
    dims: [t.dims[0]! / count, ...t.dims.slice(1)],
  };
}

/**
 * Checks `input` against the model input's declared shape. Returns how many runs of batch size 1
 * it needs when the model's batch dimension is fixed at 1 (otherwise 1).
 */
function checkInput(input: WireTensor, declared: TensorInfo): number {
  const dims = input.dims;
  if (!(input.data instanceof Float32Array)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Input data must be a Float32Array (model input '${declared.name}' is ${declared.type})`,
    );
  }
  if (dims.some((d) => !Number.isInteger(d) || d < 0) || input.data.length !== sizeOf(dims)) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `Input data has ${input.data.length} elements but shape [${dims.join(', ')}] needs ${sizeOf(dims)}`,
    );
  }
  const expected = declared.dims;
  const shown = `[${expected.map((d) => d ?? '?').join(', ')}]`;
  if (expected.length > 0 && expected.length !== dims.length) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `Input '${declared.name}' needs rank ${expected.length} ${shown}, got [${dims.join(', ')}]`,
    );
  }
  let runs = 1;
  expected.forEach((d, i) => {
    if (typeof d !== 'number' || d <= 0 || d === dims[i]) return;
    if (i === 0 && d === 1 && dims[0]! > 1) {
      runs = dims[0]!;
      return;
    }
    throw new FvError(
      'SHAPE_MISMATCH',
      `Input '${declared.name}' needs shape ${shown}, got [${dims.join(', ')}] (axis ${i}: ${d} ≠ ${dims[i]})`,
    );
  });
  return runs;
}

/** Creates the worker-side API. */
export function createHost() {
  let loaded: Loaded | undefined;
  let disposed = false;
  let queue: Promise<unknown> = Promise.resolve();
  /** Calls queued or running, and those of them the client aborted. */
  const active = new Set<number>();
  const aborted = new Set<number>();
  const abortListeners = new Map<number, Set<() => void>>();

  /** An AbortSignal-like view of a call's abort state, for core's loops in the worker. */
  function callSignal(callId: number): AbortSignalLike {
    return {
      get aborted() {
        return aborted.has(callId);
      },
      reason: undefined,
      addEventListener(_type, listener) {
        const set = abortListeners.get(callId) ?? new Set();
        abortListeners.set(callId, set);
        set.add(listener);
      },
      removeEventListener(_type, listener) {
        abortListeners.get(callId)?.delete(listener);
      },
    };
  }

  /**
   * The engine core's loops see inside the worker: direct calls, no message round trips. On the
   * loaded model (with WebGPU → wasm recovery), or on `model`, a randomized copy of it.
   */
  function localEngine(callId: number, model?: Loaded): Engine {
    const on = <T>(task: (l: Loaded) => Promise<T>) => (model ? task(model) : withRecovery(task));
    return {
      get info() {
        return (model ?? current()).info;
      },
      forward: (input, options) => on((l) => forward(callId, input, options?.outputs, l)),
      gradient: (input, objective, options = {}) =>
        on((l) =>
          gradient(
            callId,
            input,
            objective,
            {
              ...(options.wrt ? { wrt: options.wrt } : {}),
              ...(options.keep ? { keep: options.keep } : {}),
              ...(options.relu ? { relu: options.relu } : {}),
              ...(options.seed !== undefined ? { seed: options.seed } : {}),
            },
            l,
          ),
        ),
      dispose: async () => {
        if (model) await releaseSessions(model);
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
    const l = current();
    const layers = parameterizedLayers(l.bytes).map((layer) => layer.name);
    return {
      layers,
      async randomize(count) {
        await check(callId);
        const bytes = randomizeLayers(l.bytes, { ...options, layers: layers.slice(0, count) });
        const base = await open(l.ort, l.executionProvider, bytes, 'INVALID_MODEL', l.summary);
        return localEngine(callId, {
          ...l,
          bytes,
          base,
          forwardSessions: new Map(),
          gradients: new Map(),
        });
      },
    };
  }
  const stats = { sessionsCreated: 0, gradientModelsBuilt: 0, runs: 0 };
  /** Set when the backend changed after load (WebGPU failure → wasm); the next reply carries info. */
  let infoChanged = false;
  /** onnxruntime's GPUDevice while the model runs on WebGPU, with why it was lost once it is. */
  let gpu: { lost?: string } | undefined;

  /** Watches the device onnxruntime made (`ort.env.webgpu.device`) for loss. */
  function watchDevice(ort: Ort): { lost?: string } {
    const watch: { lost?: string } = {};
    type Lost = { reason?: string; message?: string };
    // onnxruntime-web 1.30 stores the GPUDevice itself here, though its typings say Promise<GPUDevice>.
    const device = ort.env.webgpu?.device as unknown as
      | { lost?: Promise<Lost> }
      | Promise<{ lost?: Promise<Lost> } | undefined>
      | undefined;
    Promise.resolve(device)
      .then((d) => d?.lost)
      .then(
        (info) => {
          // Releasing the last WebGPU session destroys the device too: only a loss in use counts.
          if (info && gpu === watch)
            watch.lost = `${info.reason ?? 'unknown'}: ${info.message ?? ''}`;
        },
        () => undefined,
      );
    return watch;
  }

  /** Runs `task` after every earlier request; all onnxruntime calls go through here. */
  function serial<T>(task: () => Promise<T>): Promise<T> {
    const next = queue.then(task);
    queue = next.catch(() => undefined);
    return next;
  }

  /** The engine info once after a backend change (the next reply carries it), else undefined. */
  function changedInfo(): { info?: EngineInfo } {
    if (!infoChanged || !loaded) return {};
    infoChanged = false;
    return { info: loaded.info };
  }

  async function envelope<T>(callId: number | undefined, task: () => Promise<T>) {
    if (callId !== undefined) active.add(callId);
    try {
      const value = await serial(task);
      return { ok: true, value, ...changedInfo() } as Envelope<T>;
    } catch (error) {
      // A call that failed or was aborted after the backend changed still carries the new info.
      return { ok: false, error: serializeError(error), ...changedInfo() } as Envelope<T>;
    } finally {
      if (callId !== undefined) {
        active.delete(callId);
        aborted.delete(callId);
        abortListeners.delete(callId);
      }
    }
  }

  /** Throws `AbortError` when the client aborted this call (checked between runs). */
  async function check(callId: number | undefined): Promise<void> {
    if (callId === undefined) return;
    await yieldToEvents();
    if (aborted.has(callId)) throw abortError();
  }

  function current(): Loaded {
    if (disposed) throw new FvError('DISPOSED', 'The engine has been disposed');
    if (!loaded) throw new FvError('INTERNAL', 'No model loaded in the worker');
    return loaded;
  }

  async function createSession(ort: Ort, ep: 'webgpu' | 'wasm', bytes: Uint8Array) {
    stats.sessionsCreated++;
    return ort.InferenceSession.create(bytes, {
      executionProviders: [ep],
      graphOptimizationLevel: 'all',
    });
  }

  async function open(
    ort: Ort,
    ep: 'webgpu' | 'wasm',
    bytes: Uint8Array,
    fallback: FvErrorCode = 'INVALID_MODEL',
    summary?: ModelSummary,
  ): Promise<Session> {
    try {
      return await createSession(ort, ep, bytes);
    } catch (error) {
      throw fromOnnxruntime(nameNodes(toFvError(error, fallback), summary));
    }
  }

  /**
   * Runs `task`; when onnxruntime fails on WebGPU under `backend: 'auto'` (a lost device, a kernel
   * that fails at run time), moves the model onto wasm, says so in `info`, and runs it again. Once
   * the device is known lost, it moves first; under `backend: 'webgpu'` the loss is an error.
   */
  async function withRecovery<T>(task: (l: Loaded) => Promise<T>): Promise<T> {
    const l = current();
    const onGpu = l.executionProvider === 'webgpu';
    if (onGpu && gpu?.lost && l.settings.backend !== 'auto') {
      throw new FvError(
        'BACKEND_UNAVAILABLE',
        `The WebGPU device was lost (${gpu.lost}); backend 'webgpu' does not fall back: create a new engine, or use backend 'auto'`,
      );
    }
    let failure: string | undefined;
    if (!(onGpu && gpu?.lost)) {
      try {
        return await task(l);
      } catch (error) {
        const failedInOrt = error instanceof FvError && error.details?.onnxruntime === true;
        if (!failedInOrt || !onGpu || l.settings.backend !== 'auto') throw error;
        failure = (error as Error).message;
      }
    }
    const reason = gpu?.lost
      ? `the WebGPU device was lost during use (${gpu.lost}), recovered onto wasm`
      : `WebGPU failed during use, recovered onto wasm: ${failure}`;
    // The wasm session first: if it cannot be had, the model stays loaded (a later call retries)
    // instead of leaving the worker with no model at all.
    let ort: Ort;
    let base: Session;
    try {
      ort = await importOrt('wasm');
      if (l.settings.numThreads !== undefined) ort.env.wasm.numThreads = l.settings.numThreads;
      if (l.settings.wasmPaths !== undefined)
        ort.env.wasm.wasmPaths = l.settings.wasmPaths as OrtModule.Env.WasmPrefixOrFilePaths;
      base = await open(ort, 'wasm', l.bytes, 'INVALID_MODEL', l.summary);
    } catch (error) {
      throw new FvError(
        'BACKEND_UNAVAILABLE',
        `${gpu?.lost ? `The WebGPU device was lost during use (${gpu.lost})` : `WebGPU failed during use (${failure})`}, and moving onto wasm failed: ${(error as Error).message}`,
      );
    }
    await release();
    const info: EngineInfo = {
      ...l.info,
      backend: 'wasm',
      backendReason: reason,
    };
    loaded = {
      ...l,
      ort,
      executionProvider: 'wasm',
      base,
      info,
      forwardSessions: new Map(),
      gradients: new Map(),
    };
    infoChanged = true;
    return task(loaded);
  }

  /** Adds the nodes of the op onnxruntime could not run to an `UNSUPPORTED_OP` message. */
  function nameNodes(error: FvError, summary: ModelSummary | undefined): FvError {
    if (error.code !== 'UNSUPPORTED_OP' || !summary) return error;
    const op = summary.nodes.find((n) => new RegExp(`\\b${n.opType}\\b`).test(error.message));
    if (!op) return error;
    const names = summary.nodes.filter((n) => n.opType === op.opType).map((n) => `'${n.name}'`);
    const named = new FvError(
      'UNSUPPORTED_OP',
      `onnxruntime-web cannot run op ${op.opType} (node ${names.join(', ')}): ${error.message}`,
      { opType: op.opType, nodes: names },
    );
    if (error.stack) named.stack = error.stack;
    return named;
  }

  async function load(bytes: Uint8Array, settings: LoadSettings): Promise<EngineInfo> {
    // Decoded once for both views (weights stay views into `bytes`, not copies).
    const model = decodeModel(bytes);
    const summary = summarizeModel(model);
    const preference: BackendPreference = settings.backend;
    const configure = (ort: Ort) => {
      if (settings.numThreads !== undefined) ort.env.wasm.numThreads = settings.numThreads;
      else if (isNode) ort.env.wasm.numThreads = 1;
      if (settings.wasmPaths !== undefined)
        ort.env.wasm.wasmPaths = settings.wasmPaths as OrtModule.Env.WasmPrefixOrFilePaths;
    };
    let ort: Ort | undefined;
    let ep: 'webgpu' | 'wasm' = 'wasm';
    let base: Session | undefined;
    let reason: string;
    if (preference === 'wasm') {
      reason = "backend 'wasm' was requested";
    } else {
      const unavailable = await probeWebGpu();
      if (unavailable) {
        if (preference === 'webgpu') throw new FvError('BACKEND_UNAVAILABLE', unavailable);
        reason = `WebGPU unavailable, using wasm: ${unavailable}`;
      } else {
        const webgpu = await importOrt('webgpu');
        configure(webgpu);
        try {
          base = await createSession(webgpu, 'webgpu', bytes);
          ort = webgpu;
          ep = 'webgpu';
          reason =
            preference === 'webgpu'
              ? "backend 'webgpu' was requested"
              : 'WebGPU adapter and device available; session created on WebGPU';
        } catch (error) {
          const fv = nameNodes(toFvError(error, 'BACKEND_UNAVAILABLE'), summary);
          if (preference === 'webgpu' || fv.code === 'INVALID_MODEL') throw fv;
          reason = `session creation on WebGPU failed, using wasm: ${fv.message}`;
        }
      }
    }
    if (!ort || !base) {
      ort = await importOrt('wasm');
      configure(ort);
      base = await open(ort, 'wasm', bytes, 'INVALID_MODEL', summary);
    }
    const described = describe(model, summary);
    const info: EngineInfo = {
      ...described,
      backend: ep,
      backendReason: reason,
    };
    loaded = {
      ort,
      executionProvider: ep,
      settings,
      bytes,
      summary,
      info,
      base,
      forwardSessions: new Map(),
      gradients: new Map(),
    };
    if (ep === 'webgpu' && ort) gpu = watchDevice(ort);
    return info;
  }

  function declaredInput(l: Loaded): TensorInfo {
    const input = l.summary.inputs[0];
    if (!input) throw new FvError('INVALID_MODEL', 'The model has no inputs');
    return input;
  }

  async function runSession(
    l: Loaded,
    session: Session,
    feeds: Record<string, WireTensor>,
    fetches: readonly string[],
  ): Promise<Record<string, WireTensor>> {
    const ortFeeds: Record<string, OrtModule.Tensor> = {};
    for (const [name, t] of Object.entries(feeds))
      ortFeeds[name] = new l.ort.Tensor('float32', t.data, t.dims);
    stats.runs++;
    let results: OrtModule.InferenceSession.ReturnType;
    try {
      results = await session.run(ortFeeds, [...fetches]);
    } catch (error) {
      throw fromOnnxruntime(toFvError(error));
    } finally {
      for (const t of Object.values(ortFeeds)) t.dispose();
    }
    const out: Record<string, WireTensor> = {};
    for (const name of fetches) {
      const t = results[name];
      if (!t) throw new FvError('UNKNOWN_TENSOR', `onnxruntime returned no tensor '${name}'`);
      const data = t.location === 'cpu' ? t.data : await t.getData(true);
      out[name] = { data: ownedCopy(toFloat32(data)), dims: [...t.dims] };
    }
    for (const t of Object.values(results)) t.dispose();
    return out;
  }

  function checkNames(l: Loaded, names: readonly string[], what: string): void {
    for (const name of names) {
      if (!l.summary.tensorNames.has(name)) {
        const outputs = l.summary.outputs.map((o) => o.name).join(', ');
        throw new FvError(
          'UNKNOWN_TENSOR',
          `${what} '${name}' is not a tensor of the model (outputs: ${outputs}; engine.info.layers lists the rest)`,
          { tensor: name },
        );
      }
    }
  }

  async function forward(
    callId: number | undefined,
    input: WireTensor,
    outputs: readonly string[] | undefined,
    l: Loaded,
  ): Promise<Record<string, WireTensor>> {
    await check(callId);
    const declared = declaredInput(l);
    const runs = checkInput(input, declared);
    const wanted = outputs ?? l.summary.outputs.map((o) => o.name);
    checkNames(l, wanted, 'Output');
    const graphOutputs = new Set(l.summary.outputs.map((o) => o.name));
    const fetches = wanted.filter((n) => n !== declared.name);
    const extra = [...new Set(fetches.filter((n) => !graphOutputs.has(n)))].sort();
    let session = l.base;
    if (extra.length > 0) {
      const key = extra.join('\n');
      let pending = l.forwardSessions.get(key);
      if (!pending) {
        pending = open(
          l.ort,
          l.executionProvider,
          appendGraphOutputs(
            l.bytes,
            extra.map((name) => ({ name, elemType: l.summary.elemTypes.get(name) })),
          ),
        );
        l.forwardSessions.set(key, pending);
        pending.catch(() => l.forwardSessions.delete(key));
      }
      session = await pending;
    }
    const parts: Record<string, WireTensor>[] = [];
    for (let i = 0; i < runs; i++) {
      await check(callId);
      const feed = runs === 1 ? input : sliceBatch(input, i, runs);
      parts.push(await runSession(l, session, { [declared.name]: feed }, fetches));
    }
    await check(callId);
    const result: Record<string, WireTensor> = {};
    for (const name of wanted) {
      result[name] =
        name === declared.name
          ? { data: input.data.slice(), dims: [...input.dims] }
          : concatBatch(parts.map((p) => p[name]!));
    }
    return result;
  }

  async function gradientEntry(
    l: Loaded,
    objective: Objective,
    options: WireGradientOptions,
    runDims: readonly number[],
  ): Promise<GradientEntry> {
    const key = JSON.stringify([
      objective,
      options.relu ?? 'standard',
      options.wrt ?? null,
      options.keep ?? null,
      runDims,
    ]);
    let pending = l.gradients.get(key);
    if (pending) {
      l.gradients.delete(key);
      l.gradients.set(key, pending);
      return pending;
    }
    const declared = declaredInput(l);
    pending = (async () => {
      stats.gradientModelsBuilt++;
      const gm = buildGradientModel(l.bytes, {
        objective,
        ...(options.wrt ? { wrt: options.wrt } : {}),
        ...(options.keep ? { keep: options.keep } : {}),
        ...(options.relu ? { relu: options.relu } : {}),
        inputShapes: { [declared.name]: runDims },
      });
      const session = await open(l.ort, l.executionProvider, gm.bytes, 'INTERNAL');
      const seedInputs = Object.values(gm.seedInputs);
      const seedShapes: Record<string, readonly (number | string)[]> = {};
      for (const seed of seedInputs) {
        const meta = session.inputMetadata.find((m) => m.name === seed);
        seedShapes[seed] = meta?.isTensor ? meta.shape : [];
      }
      return {
        session,
        valueOutput: gm.valueOutput,
        gradientOutputs: gm.gradientOutputs,
        keptOutputs: gm.keptOutputs,
        seedInputs,
        seedShapes,
      };
    })();
    l.gradients.set(key, pending);
    pending.catch(() => l.gradients.delete(key));
    while (l.gradients.size > GRADIENT_CACHE_SIZE) {
      const [oldest, entry] = l.gradients.entries().next().value as [
        string,
        Promise<GradientEntry>,
      ];
      l.gradients.delete(oldest);
      entry.then((e) => e.session.release()).catch(() => undefined);
    }
    return pending;
  }

  function seedTensor(
    seedName: string,
    shape: readonly (number | string)[],
    seed: number | WireTensor | undefined,
    runDims: readonly number[],
    run: number,
    runs: number,
  ): WireTensor {
    const dims = shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? runDims[0]! : -1));
    if (dims.some((d) => d < 0)) {
      throw new FvError(
        'INTERNAL',
        `Seed input '${seedName}' has no static shape ([${shape.join(', ')}])`,
      );
    }
    if (seed === undefined) {
      throw new FvError(
        'INVALID_ARGUMENT',
        "A 'logit' objective needs options.seed: a class index or a seed tensor",
      );
    }
    if (typeof seed === 'number') {
      const batch = dims[0] ?? 1;
      const per = sizeOf(dims) / batch;
      if (!Number.isInteger(seed) || seed < 0 || seed >= per) {
        throw new FvError(
          'OUT_OF_RANGE',
          `Class index ${seed} is outside [0, ${per - 1}] for seed '${seedName}' [${dims.join(', ')}]`,
        );
      }
      const data = new Float32Array(sizeOf(dims));
      for (let n = 0; n < batch; n++) data[n * per + seed] = 1;
      return { data, dims };
    }
    const t = runs > 1 && seed.dims[0] === runs * runDims[0]! ? sliceBatch(seed, run, runs) : seed;
    if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
      throw new FvError(
        'SHAPE_MISMATCH',
        `Seed tensor has shape [${seed.dims.join(', ')}] but the objective's output is [${dims.join(', ')}]`,
      );
    }
    return t;
  }

  async function gradient(
    callId: number | undefined,
    input: WireTensor,
    objective: Objective,
    options: WireGradientOptions,
    l: Loaded,
  ): Promise<WireGradientResult> {
    await check(callId);
    const declared = declaredInput(l);
    const runs = checkInput(input, declared);
    const runDims = runs === 1 ? [...input.dims] : [1, ...input.dims.slice(1)];
    const entry = await gradientEntry(l, objective, options, runDims);
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
      await check(callId);
      const feeds: Record<string, WireTensor> = {
        [declared.name]: runs === 1 ? input : sliceBatch(input, i, runs),
      };
      for (const seed of entry.seedInputs) {
        feeds[seed] = seedTensor(seed, entry.seedShapes[seed]!, options.seed, runDims, i, runs);
      }
      const out = await runSession(l, entry.session, feeds, fetches);
      for (const v of out[entry.valueOutput]!.data) value += v;
      parts.push(out);
    }
    await check(callId);
    const gradients: Record<string, WireTensor> = {};
    for (const n of wrt)
      gradients[n] = concatBatch(parts.map((p) => p[entry.gradientOutputs[n]!]!));
    const kept: Record<string, WireTensor> = {};
    for (const n of keep) kept[n] = concatBatch(parts.map((p) => p[entry.keptOutputs[n]!]!));
    return { value, gradients, kept };
  }

  async function release(): Promise<void> {
    const l = loaded;
    loaded = undefined;
    gpu = undefined;
    if (l) await releaseSessions(l);
  }

  /** Releases every session of a loaded model. */
  async function releaseSessions(l: Loaded): Promise<void> {
    const sessions: Promise<Session>[] = [
      Promise.resolve(l.base),
      ...l.forwardSessions.values(),
      ...[...l.gradients.values()].map((p) => p.then((e) => e.session)),
    ];
    l.forwardSessions.clear();
    l.gradients.clear();
    for (const s of sessions) {
      try {
        await (await s).release();
      } catch {
        // a session that failed to build has nothing to release
      }
    }
  }

  return {
    /** Loads a model (the buffer is the worker's from then on). */
    load(bytes: Uint8Array, settings: LoadSettings): Promise<Envelope<EngineInfo>> {
      return envelope(undefined, async () => {
        if (disposed) throw new FvError('DISPOSED', 'The engine has been disposed');
        await release();
        return load(bytes, settings);
      });
    },
    forward(
      callId: number | undefined,
      input: WireTensor,
      outputs?: readonly string[],
    ): Promise<Envelope<Record<string, WireTensor>>> {
      return envelope(callId, () => withRecovery((l) => forward(callId, input, outputs, l)));
    },
    gradient(
      callId: number | undefined,
      input: WireTensor,
      objective: Objective,
      options: WireGradientOptions,
    ): Promise<Envelope<WireGradientResult>> {
      return envelope(callId, () =>
        withRecovery((l) => gradient(callId, input, objective, options, l)),
      );
    },
    /**
     * Runs a loop of `@fv/core`'s registry (`request.kind`) next to the model: one request,
     * frames streamed back to `sink` (at most one per `frameIntervalMs`, always the last, which
     * arrives before the result). Resolves to the loop's result.
     */
    run(
      callId: number,
      request: LoopRequest,
      sink?: (frame: LoopFrame) => unknown,
      frameIntervalMs = 100,
    ): Promise<Envelope<LoopResult>> {
      return envelope(callId, async () => {
        const due = every(frameIntervalMs);
        const frames = runInPlace(localEngine(callId), request, callSignal(callId));
        for (;;) {
          const next = await frames.next();
          if (next.done) return next.value;
          const frame = next.value;
          if (!sink) continue;
          const last = frame.step >= frame.totalSteps;
          if (!last && !due()) continue;
          const sent = Promise.resolve(sink(transfer(frame, collectBuffers(frame))));
          // The last frame is delivered before the result (they travel on different ports).
          if (last) await sent.catch(() => undefined);
          else sent.catch(() => undefined);
        }
      });
    },
    /** Marks a call as aborted: it stops before its next onnxruntime run. */
    abort(callId: number): void {
      if (!active.has(callId)) return; // already finished: nothing to stop
      aborted.add(callId);
      for (const listener of abortListeners.get(callId) ?? []) listener();
    },
    stats(): HostStats {
      return { ...stats };
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

/**
 * Exposes a host on a comlink endpoint (the worker's `self`, a Node `parentPort` through comlink's
 * Node adapter, or a `MessagePort`). Result tensors are transferred, not copied.
 */
export function serve(endpoint: Endpoint, host = createHost()): void {
  expose(withTransfers(host), endpoint);
}

/** Closes the port of a comlink-proxied callback (a no-op for plain functions). */
function release(callback: unknown): void {
  const remote = callback as { [releaseProxy]?: () => void } | undefined;
  if (typeof remote === 'function' || typeof remote === 'object') {
    const close = remote?.[releaseProxy];
    if (typeof close === 'function') close();
  }
}

function withTransfers(host: ReturnType<typeof createHost>): ReturnType<typeof createHost> {
  return {
    ...host,
    async forward(callId, input, outputs) {
      const env = await host.forward(callId, input, outputs);
      return env.ok ? transfer(env, buffersOf(Object.values(env.value))) : env;
    },
    async gradient(callId, input, objective, options) {
      const env = await host.gradient(callId, input, objective, options);
      if (!env.ok) return env;
      const tensors = [...Object.values(env.value.gradients), ...Object.values(env.value.kept)];
      return transfer(env, buffersOf(tensors));
    },
    async run(callId, request, sink, frameIntervalMs) {
      const env = await host
        .run(callId, request, sink, frameIntervalMs)
        .finally(() => release(sink));
      return env.ok ? transfer(env, collectBuffers(env.value)) : env;
    },
  };
}

/** The API the worker exposes through comlink; the client imports only this type. */
export type WorkerApi = ReturnType<typeof createHost>;

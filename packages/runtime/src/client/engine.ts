// The client side: starts the worker, loads the model there and implements core's `Engine` by
// forwarding each call over comlink, and `engine.run` (core's loops, hosted in the worker). The
// worker's API type arrives by `import type` only.
import {
  type AbortSignalLike,
  abortError,
  type Engine,
  type EngineInfo,
  type ForwardOptions,
  FvError,
  type GradientOptions,
  type GradientResult,
  type LoopControl,
  type LoopFrame,
  type LoopRequest,
  type LoopResult,
  type LoopRun,
  type ModelConfig,
  type Objective,
  pushedRun,
  type Tensor,
  throwIfAborted,
} from '@fv/core';
import { proxy, type Remote, releaseProxy, transfer, wrap } from 'comlink';
import { isNode } from '../shared/environment.js';
import { deserializeError, toFvError } from '../shared/errors.js';
import {
  BACKENDS,
  type BackendPreference,
  type Envelope,
  type HostStats,
  type WasmPaths,
  type WireGradientOptions,
  type WireTensor,
} from '../shared/protocol.js';
import type { WorkerApi } from '../worker/host.js';
import {
  isModelFolder,
  type ModelDtype,
  type ModelFolderFiles,
  type ModelFolderSource,
  readModelFolder,
} from './model-folder.js';
import { type LoadProgress, type ModelSource, readModelSource } from './model-source.js';
import {
  type DefaultWorker,
  type NodeWorkerLike,
  startBrowserWorker,
  startNodeWorker,
  type WebWorker,
  type WorkerHandle,
  waitForReady,
} from './worker-handle.js';

/** Options of {@link createEngine}. */
export interface CreateEngineOptions {
  /**
   * The model: an ONNX file (bytes, a Blob, a URL, or in Node a file path; buffers are copied, not
   * detached), or a Hugging Face / transformers.js model folder — a folder URL ending in `/`, a
   * folder path (Node) or its files one by one — whose `config.json` and
   * `preprocessor_config.json` become `engine.info.config` (labels, resize, crop, normalization).
   * @example
   * createEngine({ model: 'https://example.com/models/my-vit/' }); // onnx/model.onnx + configs
   */
  readonly model: ModelSource | ModelFolderFiles;
  /**
   * Which ONNX file of a model folder to load (transformers.js's names: `fp32` `model.onnx`, `fp16`
   * `model_fp16.onnx`, `q8` `model_quantized.onnx`, …). @defaultValue `'fp32'`
   */
  readonly dtype?: ModelDtype;
  /**
   * The model's preprocessing and labels, when they do not come from a model folder (a folder's
   * files win over nothing; a call's own config always wins): `engine.info.config`, where every
   * function taking a `ModelConfig` starts from. @defaultValue what the folder says, else none
   */
  readonly config?: ModelConfig;
  /**
   * Execution backend. `auto` uses WebGPU in browsers when an adapter and a device can be had, and
   * onnxruntime-node's CPU provider (`native`) in Node when the optional peer `onnxruntime-node`
   * can be loaded, in both cases when the model's session can be created there; else wasm.
   * `engine.info.backendReason` says why.
   * @defaultValue `'auto'`
   */
  readonly backend?: BackendPreference;
  /** Download and compile progress. */
  readonly onProgress?: (event: LoadProgress) => void;
  /** Cancels loading: `createEngine` rejects with an `AbortError` and the worker is terminated. */
  readonly signal?: AbortSignalLike;
  /**
   * Your own worker, or the URL of `@fv/runtime/worker` (for CDN or CSP setups). Browsers: a module
   * `Worker` or its URL; Node: a `worker_threads` `Worker` or a file URL. The engine owns the worker
   * and terminates it on `dispose()`.
   * @defaultValue `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`
   */
  readonly worker?: WebWorker | NodeWorkerLike | URL | string;
  /**
   * How long to wait for the worker to start answering. A worker that does not (a file that does
   * not run `@fv/runtime/worker`, one a bundler emitted empty, a blocked script) makes
   * `createEngine` reject with `WORKER_TIMEOUT` and terminates it. Loading the model is not part of
   * this wait.
   * @defaultValue `30_000`
   */
  readonly workerTimeoutMs?: number;
  /**
   * Where onnxruntime-web loads its `.wasm` and `.mjs` files from (`ort.env.wasm.wasmPaths`), for
   * example a CDN folder `https://cdn.jsdelivr.net/npm/onnxruntime-web@1.30.0/dist/`.
   * @defaultValue next to onnxruntime-web's own module files, as the bundler placed them
   */
  readonly wasmPaths?: WasmPaths;
  /**
   * Threads of one onnxruntime call: wasm threads (`ort.env.wasm.numThreads`; in browsers they need
   * a cross-origin-isolated page), or onnxruntime-node's `intraOpNumThreads` on `native`.
   * @defaultValue wasm: 1 in Node, onnxruntime-web's default in browsers; native: onnxruntime-node's
   * default (one per physical core)
   */
  readonly numThreads?: number;
  /** Keep URL models in the browser's Cache Storage (`fv-models-v1`). @defaultValue true */
  readonly cache?: boolean;
  /**
   * Called when the backend changes after loading: under `backend: 'auto'`, a lost WebGPU device
   * (or a WebGPU failure at run time) moves the model onto wasm; `info.backendReason` says why.
   * The worker notices the loss at the next call (or run of a hosted loop) and reports it when
   * that call settles, whether it succeeded, failed or was aborted. `engine.info` is updated
   * before the callback. @defaultValue none
   */
  readonly onBackendChange?: (info: EngineInfo) => void;
}

/** Options of {@link RuntimeEngine.forward}. */
export interface RuntimeForwardOptions extends ForwardOptions {
  /**
   * Transfer `input.data`'s buffer to the worker instead of copying it: faster, but the caller's
   * array is detached (length 0) afterwards. @defaultValue false
   */
  readonly transferInput?: boolean;
}

/** Options of {@link RuntimeEngine.gradient}. */
export interface RuntimeGradientOptions extends GradientOptions {
  /** As in {@link RuntimeForwardOptions.transferInput}. @defaultValue false */
  readonly transferInput?: boolean;
}

/**
 * An onnxruntime-web engine running in a worker. Result tensors are new arrays owned by the caller;
 * input arrays are copied (never detached) unless `transferInput` is set.
 */
export interface RuntimeEngine extends Engine {
  forward(input: Tensor, options?: RuntimeForwardOptions): Promise<Record<string, Tensor>>;
  gradient(
    input: Tensor,
    objective: Objective,
    options?: RuntimeGradientOptions,
  ): Promise<GradientResult>;
  /**
   * Runs a loop of `@fv/core` (saliency, Deep Dream, unit or class visualization, …) inside the
   * worker next to the model: one request; frames stream back (at most one per
   * `control.frameIntervalMs`, default 100, always the last). Core's loop functions call this
   * when given this engine (`saliency(engine, …)` is the way to use it).
   */
  run(request: LoopRequest, control?: LoopControl): LoopRun<LoopFrame, LoopResult>;
  /** Sessions created, gradient models built and runs so far (to check caching). */
  stats(): Promise<HostStats>;
}

function wireTensor(t: Tensor, transferInput: boolean | undefined, what: string): WireTensor {
  if (!t || !(t.data instanceof Float32Array) || !Array.isArray(t.dims)) {
    throw new FvError('INVALID_ARGUMENT', `${what} must be a Tensor { data: Float32Array; dims }`);
  }
  const ownsBuffer =
    t.data.buffer instanceof ArrayBuffer &&
    t.data.byteOffset === 0 &&
    t.data.byteLength === t.data.buffer.byteLength;
  return { data: transferInput && ownsBuffer ? t.data : t.data.slice(), dims: [...t.dims] };
}

class WorkerEngine implements RuntimeEngine {
  info!: EngineInfo;
  private readonly pending = new Map<number, (error: FvError) => void>();
  private nextCallId = 1;
  private crashed: FvError | undefined;
  private disposed = false;
  private isReady = false;
  private readonly ready: Promise<void>;
  private readonly cancelReady: () => void;

  constructor(
    private readonly handle: WorkerHandle,
    private readonly api: Remote<WorkerApi>,
    workerTimeoutMs: number | undefined,
    private readonly onBackendChange?: (info: EngineInfo) => void,
  ) {
    handle.unref();
    handle.onCrash((message) => this.crash(message));
    const { ready, cancel } = waitForReady(handle.endpoint, workerTimeoutMs);
    this.ready = ready.then(() => {
      this.isReady = true;
    });
    // Calls waiting for readiness see a timeout; without any, it must not go unhandled.
    this.ready.catch(() => undefined);
    this.cancelReady = cancel;
  }

  private updateInfo(info: EngineInfo): void {
    const changed = this.info !== undefined && this.info.backend !== info.backend;
    this.info = info;
    if (!changed || !this.onBackendChange) return;
    try {
      this.onBackendChange(info);
    } catch (error) {
      // A throwing listener must not turn a successful call into a failure.
      console.error('fv: onBackendChange threw', error);
    }
  }

  private crash(message: string): void {
    if (this.crashed || this.disposed) return;
    this.crashed = new FvError(
      'WORKER_CRASHED',
      `The @fv/runtime worker stopped (${message}); create a new engine`,
    );
    for (const reject of [...this.pending.values()]) reject(this.crashed);
    this.pending.clear();
    this.cancelReady();
    this.handle.unref();
    void this.handle.terminate().catch(() => undefined);
  }

  /** Runs one worker call with abort (by any of `signals`), crash and dispose handling. */
  call<T>(
    signals: AbortSignalLike | undefined | readonly (AbortSignalLike | undefined)[],
    invoke: (callId: number) => Promise<Envelope<T>>,
  ): Promise<T> {
    if (this.disposed)
      return Promise.reject(new FvError('DISPOSED', 'The engine has been disposed'));
    if (this.crashed) return Promise.reject(this.crashed);
    const list = (Array.isArray(signals) ? signals : [signals]).filter(
      (s): s is AbortSignalLike => s !== undefined,
    );
    try {
      for (const signal of list) throwIfAborted(signal);
    } catch (error) {
      return Promise.reject(error);
    }
    const callId = this.nextCallId++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        for (const signal of list) signal.removeEventListener('abort', onAbort);
        this.pending.delete(callId);
        if (this.pending.size === 0) this.handle.unref();
        return true;
      };
      const onAbort = (): void => {
        if (!finish()) return;
        reject(abortError(list.find((s) => s.aborted)?.reason));
        this.api.abort(callId).catch(() => undefined);
      };
      for (const signal of list) signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(callId, (error) => {
        if (finish()) reject(error);
      });
      this.handle.ref();
      let started: Promise<Envelope<T>>;
      try {
        started = this.isReady ? invoke(callId) : this.ready.then(() => invoke(callId));
      } catch (error) {
        if (finish()) reject(toFvError(error, 'INVALID_ARGUMENT'));
        return;
      }
      started.then(
        (envelope) => {
          // Before `finish()`: an aborted or failed call may still bring the news of a backend change.
          if (envelope.info) this.updateInfo(envelope.info);
          if (!finish()) return;
          if (envelope.ok) resolve(envelope.value);
          else reject(deserializeError(envelope.error));
        },
        (error) => {
          if (finish()) reject(toFvError(error));
        },
      );
    });
  }

  forward(input: Tensor, options: RuntimeForwardOptions = {}): Promise<Record<string, Tensor>> {
    return this.call(options.signal, (callId) => {
      const wire = wireTensor(input, options.transferInput, 'input');
      return this.api.forward(
        transfer(
          { callId, input: wire, ...(options.outputs ? { outputs: options.outputs } : {}) },
          [wire.data.buffer as ArrayBuffer],
        ),
      );
    });
  }

  gradient(
    input: Tensor,
    objective: Objective,
    options: RuntimeGradientOptions = {},
  ): Promise<GradientResult> {
    return this.call(options.signal, (callId) => {
      const wire = wireTensor(input, options.transferInput, 'input');
      const { seed } = options;
      const wireOptions: WireGradientOptions = {
        ...(options.wrt ? { wrt: [...options.wrt] } : {}),
        ...(options.keep ? { keep: [...options.keep] } : {}),
        ...(options.relu ? { relu: options.relu } : {}),
        ...(seed === undefined
          ? {}
          : { seed: typeof seed === 'number' ? seed : wireTensor(seed, false, 'seed') }),
      };
      const transfers = [wire.data.buffer as ArrayBuffer];
      if (wireOptions.seed && typeof wireOptions.seed !== 'number')
        transfers.push(wireOptions.seed.data.buffer as ArrayBuffer);
      return this.api.gradient(
        transfer({ callId, input: wire, objective, options: wireOptions }, transfers),
      );
    });
  }

  run(request: LoopRequest, control: LoopControl = {}): LoopRun<LoopFrame, LoopResult> {
    return pushedRun<LoopFrame, LoopResult>((sink, stop) =>
      this.call([control.signal, stop], (callId) =>
        this.api.run(
          {
            callId,
            request,
            ...(control.frameIntervalMs !== undefined
              ? { frameIntervalMs: control.frameIntervalMs }
              : {}),
          },
          sink ? proxy(sink) : undefined,
        ),
      ),
    );
  }

  stats(): Promise<HostStats> {
    return this.call(undefined, async () => ({ ok: true, value: await this.api.stats() }));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.cancelReady();
    if (!this.crashed && this.isReady) {
      // At most 5 s for the worker to release its sessions; the timer must not outlive the wait
      // (a pending one kept Node processes, such as the CLI, alive for 5 s after their work).
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        this.handle.ref();
        await Promise.race([
          this.api.dispose(),
          new Promise((resolve) => {
            timer = setTimeout(resolve, 5_000);
          }),
        ]);
      } catch {
        // the worker is terminated below either way
      } finally {
        clearTimeout(timer);
      }
    }
    this.disposed = true;
    const error = new FvError('DISPOSED', 'The engine was disposed while this call was pending');
    for (const reject of [...this.pending.values()]) reject(error);
    this.pending.clear();
    this.api[releaseProxy]();
    await this.handle.terminate().catch(() => undefined);
  }
}

/**
 * Rejects unknown backends, thread counts that are no positive integer and worker timeouts out of
 * range, before any work.
 */
function checkEngineOptions({ backend, numThreads, workerTimeoutMs }: CreateEngineOptions): void {
  if (backend !== undefined && backend !== 'auto' && !BACKENDS.includes(backend)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Unknown backend '${String(backend)}' (backends: auto, ${BACKENDS.join(', ')})`,
    );
  }
  if (numThreads !== undefined && !(Number.isInteger(numThreads) && numThreads >= 1)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `numThreads must be a positive integer, got ${String(numThreads)}`,
    );
  }
  if (
    workerTimeoutMs !== undefined &&
    !(typeof workerTimeoutMs === 'number' && workerTimeoutMs > 0 && workerTimeoutMs <= 2 ** 31 - 1)
  ) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `workerTimeoutMs must be a number of milliseconds in (0, 2147483647], got ${String(workerTimeoutMs)}`,
    );
  }
}

/**
 * `createEngine` of an entry point: starts the entry's worker (unless `options.worker` names
 * another), loads the model there and returns an engine implementing `@fv/core`'s `Engine`.
 */
export async function startEngine(
  options: CreateEngineOptions,
  defaults: DefaultWorker,
): Promise<RuntimeEngine> {
  const { signal, onProgress, workerTimeoutMs } = options;
  checkEngineOptions(options);
  const read = { onProgress, signal, cache: options.cache };
  let bytes: Uint8Array;
  let config = options.config;
  if (await isModelFolder(options.model)) {
    const folder = await readModelFolder(options.model as ModelFolderSource, {
      ...read,
      dtype: options.dtype,
    });
    bytes = folder.bytes;
    config = { ...folder.config, ...config };
  } else {
    if (options.dtype !== undefined)
      throw new FvError(
        'INVALID_ARGUMENT',
        'dtype chooses a file of a model folder; this model is a single ONNX file',
      );
    bytes = await readModelSource(options.model as ModelSource, read);
  }
  throwIfAborted(signal);
  onProgress?.({ phase: 'compile' });
  const handle = isNode
    ? await startNodeWorker(options.worker, defaults)
    : startBrowserWorker(options.worker, defaults);
  const api = wrap<WorkerApi>(handle.endpoint);
  const engine = new WorkerEngine(handle, api, workerTimeoutMs, options.onBackendChange);
  try {
    engine.info = await engine.call(signal, () =>
      api.load(transfer(bytes, [bytes.buffer as ArrayBuffer]), {
        backend: options.backend ?? 'auto',
        ...(options.wasmPaths !== undefined ? { wasmPaths: options.wasmPaths } : {}),
        ...(options.numThreads !== undefined ? { numThreads: options.numThreads } : {}),
        ...(config ? { config } : {}),
      }),
    );
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  onProgress?.({ phase: 'ready' });
  return engine;
}

// The seam between the worker and an inference runtime. The host, the session cache, batching and
// recovery see only these interfaces; `onnxruntime-web.ts` implements them with onnxruntime-web
// (WebGPU and wasm). A second runtime (onnxruntime-node's native CPU provider in Node, say) is a
// second `BackendProvider` beside it, chosen in `main.ts`/`createHost`.
import type { FvErrorCode } from '@fv/core';
import type { LoadSettings, WireTensor } from '../shared/protocol.js';

/** The execution backends a provider can open (`EngineInfo.backend` reports the one in use). */
export type ExecutionBackend = 'webgpu' | 'wasm';

/** One loaded model (or gradient model) of a backend. */
export interface BackendSession {
  /** The shape the model declares for an input (numbers, or strings/-1 for free axes). */
  inputShape(name: string): readonly (number | string)[] | undefined;
  /** Runs the model; every result owns its buffer. Throws classified `FvError`s. */
  run(
    feeds: Readonly<Record<string, WireTensor>>,
    fetches: readonly string[],
  ): Promise<Record<string, WireTensor>>;
  release(): Promise<void>;
}

/** An opened execution backend. */
export interface Backend {
  readonly kind: ExecutionBackend;
  /**
   * Loads model bytes. Throws an `FvError` whose code onnxruntime's status decides, else
   * `fallback` (what a failure means for these bytes: `INVALID_MODEL` for the user's model,
   * `INTERNAL` for a graph fv built).
   */
  createSession(bytes: Uint8Array, fallback: FvErrorCode): Promise<BackendSession>;
  /** Why the device under this backend was lost while in use, once it was (WebGPU). */
  lost(): string | undefined;
}

/** A runtime that can open backends. */
export interface BackendProvider {
  /** Why `kind` cannot be used here (no WebGPU adapter, …), or `undefined` when it can. */
  unavailable(kind: ExecutionBackend): Promise<string | undefined>;
  /** Opens `kind` with the runtime's settings applied (threads, file locations). */
  open(kind: ExecutionBackend, settings: LoadSettings): Promise<Backend>;
}

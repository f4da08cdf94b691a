// The seam between the worker and an inference runtime. The host, the session cache, batching and
// recovery see only these interfaces; `onnxruntime-web.ts` implements them with onnxruntime-web
// (WebGPU and wasm), `onnxruntime-node.ts` with onnxruntime-node's CPU provider (`native`, Node
// only); `providers.ts` puts them together for `createHost`.
import type { GradientModelOptions } from '@fv/autodiff';
import type { FvErrorCode } from '@fv/core';
import type { LoadSettings, WireTensor } from '../shared/protocol.js';

/** The execution backends a provider can open (`EngineInfo.backend` reports the one in use). */
export type ExecutionBackend = 'native' | 'webgpu' | 'wasm';

/**
 * Options of `buildGradientModel` that change how fast a backend runs a gradient graph, never its
 * results: each backend picks the ones measured fastest on it (`pnpm bench`).
 */
export type GradientTuning = Pick<GradientModelOptions, 'precomputeWeights' | 'convMasks'>;

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
  /** What runs the model, for `backendReason` (runtime, version, threads). */
  readonly description: string;
  /** How gradient graphs are built for this backend. */
  readonly gradientTuning: GradientTuning;
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
  /** The backends `backend: 'auto'` tries here, in order (the last one is the fallback). */
  readonly auto: readonly ExecutionBackend[];
  /** Why `kind` cannot be used here (no WebGPU adapter, …), or `undefined` when it can. */
  unavailable(kind: ExecutionBackend): Promise<string | undefined>;
  /** Opens `kind` with the runtime's settings applied (threads, file locations). */
  open(kind: ExecutionBackend, settings: LoadSettings): Promise<Backend>;
}

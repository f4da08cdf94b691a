// What crosses between the client (main thread) and the worker: settings, wire tensors, envelopes
// and the start-up handshake. The worker's API type itself flows by `import type` from the
// worker module (worker/host.ts), so the two sides cannot drift.
import type { EngineInfo, ModelConfig, ReluMode, SerializedFvError } from '@fv/core';

/**
 * Which execution backend runs the model.
 * - `auto`: in browsers, WebGPU when an adapter and a device can be had and the session compiles
 *   there, else wasm; in Node, `native` when onnxruntime-node can be loaded and the session
 *   compiles there, else wasm.
 * - `native`: onnxruntime-node's CPU execution provider (Node only; `onnxruntime-node` is an
 *   optional peer dependency); fails with `BACKEND_UNAVAILABLE` when it cannot be loaded.
 * - `webgpu`: onnxruntime-web's native WebGPU provider (`onnxruntime-web/webgpu`); fails with
 *   `BACKEND_UNAVAILABLE` when WebGPU cannot be used.
 * - `wasm`: onnxruntime-web's wasm provider (`onnxruntime-web/wasm`; in Node, onnxruntime-web's
 *   Node build).
 */
export type BackendPreference = 'auto' | 'native' | 'webgpu' | 'wasm';

/** The backends a {@link BackendPreference} can name (`auto` aside). */
export const BACKENDS: readonly Exclude<BackendPreference, 'auto'>[] = ['native', 'webgpu', 'wasm'];

/** Where onnxruntime-web loads its `.wasm`/`.mjs` files from (`ort.env.wasm.wasmPaths`). */
export type WasmPaths = string | { readonly mjs?: string; readonly wasm?: string };

/** Settings the worker needs to load a model. */
export interface LoadSettings {
  readonly backend: BackendPreference;
  readonly wasmPaths?: WasmPaths;
  /** wasm threads, or onnxruntime-node's intra-op threads. */
  readonly numThreads?: number;
  /** The model's own config (`engine.info.config`); its size fixes free input dims for inspection. */
  readonly config?: ModelConfig;
}

/** A result or a serialized error: worker methods never throw, so error codes survive comlink. */
export type Envelope<T> =
  | {
      readonly ok: true;
      readonly value: T;
      /** New engine info, when the backend changed (WebGPU failed and wasm took over). */
      readonly info?: EngineInfo;
    }
  | {
      readonly ok: false;
      readonly error: SerializedFvError;
      /** New engine info, when the backend changed during the failed (or aborted) call. */
      readonly info?: EngineInfo;
    };

/** A tensor as it crosses the boundary (its buffer is transferred). */
export interface WireTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** Options of a gradient request after the client validated them. */
export interface WireGradientOptions {
  readonly wrt?: readonly string[];
  readonly keep?: readonly string[];
  readonly relu?: ReluMode;
  readonly seed?: number | WireTensor;
}

/** Result of a gradient request on the wire. */
export interface WireGradientResult {
  readonly value: number;
  readonly gradients: Record<string, WireTensor>;
  readonly kept: Record<string, WireTensor>;
}

/** Counters that tests and benchmarks read (`engine.stats()`). */
export interface HostStats {
  readonly sessionsCreated: number;
  readonly gradientModelsBuilt: number;
  /** onnxruntime session runs. */
  readonly runs: number;
  /**
   * Milliseconds spent inside the engine calls of loops hosted in the worker (their forward and
   * gradient calls, onnxruntime included): a loop's wall time minus this is its scheduling cost.
   */
  readonly loopEngineMs: number;
}

/**
 * The start-up handshake. Messages sent to a worker before it listens are lost in browsers (a
 * module worker that imports late, or a wrapper worker that imports ours, listens late), so the
 * client pings until the worker says it is ready; the worker also announces itself once.
 */
export const READY = 'fv-runtime:ready';
export const PING = 'fv-runtime:ping';

// Types and helpers shared by the client (main thread) and the worker.
import {
  type EngineInfo,
  FvError,
  type FvErrorCode,
  type SerializedFvError,
  type Tensor,
} from '@fv/core';
import type { Endpoint } from 'comlink';

/**
 * Which onnxruntime-web execution provider to use.
 * - `auto`: WebGPU when an adapter and a device can be had and the session compiles there, else wasm.
 * - `webgpu`: the native WebGPU provider (`onnxruntime-web/webgpu`); fails with `BACKEND_UNAVAILABLE`
 *   when WebGPU cannot be used.
 * - `wasm`: the wasm provider (`onnxruntime-web/wasm`; in Node, onnxruntime-web's Node build).
 */
export type BackendPreference = 'auto' | 'webgpu' | 'wasm';

/** Where onnxruntime-web loads its `.wasm`/`.mjs` files from (`ort.env.wasm.wasmPaths`). */
export type WasmPaths = string | { readonly mjs?: string; readonly wasm?: string };

/** Settings the worker needs to load a model. */
export interface LoadSettings {
  readonly backend: BackendPreference;
  readonly wasmPaths?: WasmPaths;
  readonly numThreads?: number;
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
  readonly relu?: 'standard' | 'guided' | 'deconvnet';
  readonly seed?: number | WireTensor;
}

const CODES: ReadonlySet<string> = new Set<FvErrorCode>([
  'INVALID_MODEL',
  'UNSUPPORTED_OP',
  'UNKNOWN_TENSOR',
  'INVALID_ARGUMENT',
  'OUT_OF_RANGE',
  'SHAPE_MISMATCH',
  'INVALID_IMAGE',
  'BACKEND_UNAVAILABLE',
  'WORKER_CRASHED',
  'DISPOSED',
  'ABORTED',
  'INTERNAL',
]);

/**
 * Turns anything thrown in the worker into an {@link FvError}. onnxruntime's own errors are
 * plain `Error`s; their messages are matched to the closest code (and kept in the message).
 */
export function toFvError(error: unknown, fallback: FvErrorCode = 'INTERNAL'): FvError {
  if (error instanceof FvError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = codeFromMessage(message) ?? fallback;
  const fv = new FvError(code, message);
  if (error instanceof Error && error.stack) fv.stack = error.stack;
  return fv;
}

function codeFromMessage(message: string): FvErrorCode | undefined {
  if (/no available backend found/i.test(message)) return 'BACKEND_UNAVAILABLE';
  if (
    /Could not find an implementation for|No Op registered for|not implemented|Unsupported op/i.test(
      message,
    )
  )
    return 'UNSUPPORTED_OP';
  if (/invalid dimensions|dimension|shape|rank/i.test(message) && /input/i.test(message))
    return 'SHAPE_MISMATCH';
  if (/Unexpected input data type|data type|dtype/i.test(message)) return 'INVALID_ARGUMENT';
  if (/Invalid Output Name|output name|input name|not found/i.test(message))
    return 'UNKNOWN_TENSOR';
  if (/protobuf|failed to load model|Load model|ModelProto|parse/i.test(message))
    return 'INVALID_MODEL';
  return undefined;
}

export function serializeError(error: unknown, fallback?: FvErrorCode): SerializedFvError {
  return toFvError(error, fallback).toJSON();
}

export function deserializeError(data: SerializedFvError): FvError {
  const code = CODES.has(data.code) ? data.code : 'INTERNAL';
  return FvError.fromJSON({ ...data, code });
}

/** The buffer of `data`, when `data` spans all of it (so it can be transferred as is). */
export function ownedBuffer(data: Float32Array): ArrayBuffer | undefined {
  const buffer = data.buffer;
  if (!(buffer instanceof ArrayBuffer)) return undefined;
  return data.byteOffset === 0 && data.byteLength === buffer.byteLength ? buffer : undefined;
}

/** A tensor whose data owns its buffer: `data` itself when it does, otherwise a copy. */
export function owned(t: Tensor): WireTensor {
  return { data: ownedBuffer(t.data) ? t.data : t.data.slice(), dims: [...t.dims] };
}

/** The transferable buffers of a set of tensors (each at most once). */
export function buffersOf(tensors: Iterable<WireTensor>): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const t of tensors) {
    const b = ownedBuffer(t.data);
    if (b) set.add(b);
  }
  return [...set];
}

/**
 * The start-up handshake. Messages sent to a worker before it listens are lost in browsers (a
 * module worker with top-level await, or a wrapper worker that imports ours, listens late), so the
 * client pings until the worker says it is ready; the worker also announces itself once.
 */
const READY = 'fv-runtime:ready';
const PING = 'fv-runtime:ping';

type Message = { data?: unknown };

/** Worker side: answers pings and announces readiness once. */
export function announceReady(endpoint: Endpoint): void {
  endpoint.addEventListener('message', ((event: Message) => {
    if (event.data === PING) endpoint.postMessage(READY);
  }) as never);
  endpoint.postMessage(READY);
}

/** Client side: resolves when the worker is ready; `cancel` stops pinging. */
export function waitForReady(endpoint: Endpoint): { ready: Promise<void>; cancel(): void } {
  let timer: ReturnType<typeof setInterval> | undefined;
  let listener: ((event: Message) => void) | undefined;
  const cancel = () => {
    if (timer !== undefined) clearInterval(timer);
    if (listener) endpoint.removeEventListener('message', listener as never);
    timer = undefined;
    listener = undefined;
  };
  const ready = new Promise<void>((resolve) => {
    listener = (event) => {
      if (event.data !== READY) return;
      cancel();
      resolve();
    };
    endpoint.addEventListener('message', listener as never);
    endpoint.start?.();
    const ping = () => endpoint.postMessage(PING);
    ping();
    timer = setInterval(ping, 50);
    (timer as { unref?: () => void }).unref?.();
  });
  return { ready, cancel };
}

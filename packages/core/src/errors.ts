import type { AbortSignalLike } from './abort.js';

/**
 * Every error code fv raises. Codes are stable strings: match on `error.code`, not on messages.
 *
 * - `INVALID_MODEL`: the model bytes are not a readable ONNX model.
 * - `UNSUPPORTED_OP`: an op on the gradient path has no gradient rule (or the runtime cannot run it).
 * - `UNKNOWN_TENSOR`: a tensor, layer, input or output name does not exist in the model.
 * - `INVALID_ARGUMENT`: an option or argument has a wrong value or type.
 * - `INVALID_CONFIG`: a model folder's file (`config.json`, `preprocessor_config.json`, the ONNX
 *   file) is missing, not JSON, or has a field fv cannot use; `details.file` and `details.field`
 *   name them.
 * - `UNSUPPORTED_MODEL`: the method does not apply to this model (no attention for the
 *   transformer methods, or attention within shifted windows, as in Swin).
 * - `OUT_OF_RANGE`: an index (class, channel, position) is outside its valid range.
 * - `SHAPE_MISMATCH`: a tensor's shape or data length does not fit what the model expects.
 * - `INVALID_IMAGE`: an image is malformed or has an unusable channel count or size.
 * - `BACKEND_UNAVAILABLE`: the requested execution backend (for example WebGPU) cannot be used.
 * - `WORKER_CRASHED`: the worker running the model died; pending calls are rejected with this code.
 * - `WORKER_TIMEOUT`: the worker did not start answering in time (a worker file that does not run
 *   fv's worker, or one the bundler emitted empty); nothing was loaded.
 * - `DISPOSED`: the object was used after `dispose()`.
 * - `ABORTED`: the operation was cancelled through an `AbortSignal` (the error's `name` is `AbortError`).
 * - `INTERNAL`: a bug in fv; please report it.
 */
export type FvErrorCode =
  | 'INVALID_MODEL'
  | 'UNSUPPORTED_OP'
  | 'UNKNOWN_TENSOR'
  | 'INVALID_ARGUMENT'
  | 'INVALID_CONFIG'
  | 'UNSUPPORTED_MODEL'
  | 'OUT_OF_RANGE'
  | 'SHAPE_MISMATCH'
  | 'INVALID_IMAGE'
  | 'BACKEND_UNAVAILABLE'
  | 'WORKER_CRASHED'
  | 'WORKER_TIMEOUT'
  | 'DISPOSED'
  | 'ABORTED'
  | 'INTERNAL';

/** Plain-data form of an {@link FvError}, as it crosses a worker boundary. */
export interface SerializedFvError {
  readonly name: string;
  readonly code: FvErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly stack?: string;
}

/**
 * The one error class of fv. `code` says what kind of failure it is; the message names the thing
 * at fault (op type and node name, tensor name, index and its valid range).
 */
export class FvError extends Error {
  readonly code: FvErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: FvErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(message);
    this.name = code === 'ABORTED' ? 'AbortError' : 'FvError';
    this.code = code;
    this.details = details;
  }

  /** Plain data that survives `postMessage` / structured clone. */
  toJSON(): SerializedFvError {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
      ...(this.stack ? { stack: this.stack } : {}),
    };
  }

  /** Rebuilds an error from {@link FvError.toJSON} output. */
  static fromJSON(data: SerializedFvError): FvError {
    const error = new FvError(data.code, data.message, data.details);
    if (data.stack) error.stack = data.stack;
    return error;
  }
}

/** True when `error` is an {@link FvError}, optionally with the given code. */
export function isFvError(error: unknown, code?: FvErrorCode): error is FvError {
  return error instanceof FvError && (code === undefined || error.code === code);
}

/** The error an aborted operation rejects with: an {@link FvError} named `AbortError`. */
export function abortError(reason?: unknown): FvError {
  const why = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
  return new FvError('ABORTED', why ? `Operation aborted: ${why}` : 'Operation aborted');
}

/** Throws {@link abortError} when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw abortError(signal.reason);
}

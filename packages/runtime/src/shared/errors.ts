// Errors across the boundary, and onnxruntime's errors as typed FvErrors. onnxruntime-web reports
// failures of its C API as `<what failed> ERROR_CODE: <n>, ERROR_MESSAGE: <text>`, where n is the
// C API's OrtErrorCode: that code decides the FvError code. Only errors without it (thrown by
// onnxruntime-web's JavaScript) fall back to the error's class and a few known messages.
import { FvError, type FvErrorCode, type SerializedFvError } from '@fv/core';

/** onnxruntime's C API error codes (`OrtErrorCode` in onnxruntime_c_api.h). */
export const ORT_ERROR_CODES = {
  1: 'FAIL',
  2: 'INVALID_ARGUMENT',
  3: 'NO_SUCHFILE',
  4: 'NO_MODEL',
  5: 'ENGINE_ERROR',
  6: 'RUNTIME_EXCEPTION',
  7: 'INVALID_PROTOBUF',
  8: 'MODEL_LOADED',
  9: 'NOT_IMPLEMENTED',
  10: 'INVALID_GRAPH',
  11: 'EP_FAIL',
  12: 'MODEL_LOAD_CANCELED',
  13: 'MODEL_REQUIRES_COMPILATION',
} as const;

/** What fv knows about an error onnxruntime raised (in `FvError.details.onnxruntime`). */
export interface OnnxruntimeErrorDetails {
  /** The C API error code, when onnxruntime gave one. */
  readonly code?: number;
  /** Its name (`INVALID_PROTOBUF`, `NOT_IMPLEMENTED`, …). */
  readonly status?: string;
}

const STRUCTURED = /ERROR_CODE: (\d+), ERROR_MESSAGE: ([\s\S]*)$/;

/** FvError code of an onnxruntime status, refined by its message where one status covers several. */
function codeOfStatus(status: number, text: string, fallback: FvErrorCode): FvErrorCode {
  switch (status) {
    case 7: // INVALID_PROTOBUF
    case 4: // NO_MODEL
      return 'INVALID_MODEL';
    case 10: // INVALID_GRAPH: a graph that loads but does not type-check, or an unknown op
      return /No Op registered|Could not find an implementation/i.test(text)
        ? 'UNSUPPORTED_OP'
        : 'INVALID_MODEL';
    case 9: // NOT_IMPLEMENTED: no kernel for an op on this provider
      return 'UNSUPPORTED_OP';
    case 11: // EP_FAIL
      return 'BACKEND_UNAVAILABLE';
    case 2: // INVALID_ARGUMENT: feeds and fetches
      if (/Invalid (Feed Input|Output) Name|not found/i.test(text)) return 'UNKNOWN_TENSOR';
      if (/dimension|shape|rank/i.test(text)) return 'SHAPE_MISMATCH';
      return 'INVALID_ARGUMENT';
    default:
      // FAIL, ENGINE_ERROR, RUNTIME_EXCEPTION (an unknown op at load is RUNTIME_EXCEPTION with
      // "No Op registered for X"): what failed is the caller's context.
      return /No Op registered|Could not find an implementation|not implemented/i.test(text)
        ? 'UNSUPPORTED_OP'
        : fallback;
  }
}

/**
 * FvError code of an error without a C API status: onnxruntime-web's JavaScript errors, and
 * onnxruntime-node's, whose messages are the C++ exception's text without the status.
 */
function codeOfScriptError(error: unknown, message: string): FvErrorCode | undefined {
  if (/no available backend found/i.test(message)) return 'BACKEND_UNAVAILABLE';
  if (/No Op registered|Could not find an implementation/i.test(message)) return 'UNSUPPORTED_OP';
  if (/protobuf parsing failed|This is an invalid model/i.test(message)) return 'INVALID_MODEL';
  if (/Invalid rank for input|Got invalid dimensions/i.test(message)) return 'SHAPE_MISMATCH';
  if (/invalid output name|Invalid Feed Input Name/i.test(message)) return 'UNKNOWN_TENSOR';
  if (/is missing in 'feeds'/i.test(message)) return 'INVALID_ARGUMENT';
  if (/does not match data length|unsupported data type/i.test(message)) return 'INVALID_ARGUMENT';
  if (error instanceof TypeError || error instanceof RangeError) return 'INVALID_ARGUMENT';
  return undefined;
}

/**
 * Turns anything thrown into an {@link FvError}. FvErrors pass through; onnxruntime's errors get
 * the code their C API status says (details.onnxruntime carries the status), else `fallback`.
 */
export function toFvError(error: unknown, fallback: FvErrorCode = 'INTERNAL'): FvError {
  if (error instanceof FvError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const structured = STRUCTURED.exec(message);
  let fv: FvError;
  if (structured) {
    const status = Number(structured[1]);
    const name = ORT_ERROR_CODES[status as keyof typeof ORT_ERROR_CODES];
    const details: OnnxruntimeErrorDetails = { code: status, ...(name ? { status: name } : {}) };
    fv = new FvError(codeOfStatus(status, structured[2] ?? '', fallback), message, {
      onnxruntime: details,
    });
  } else {
    fv = new FvError(codeOfScriptError(error, message) ?? fallback, message);
  }
  if (error instanceof Error && error.stack) fv.stack = error.stack;
  return fv;
}

/** `error` marked as raised by onnxruntime itself (not by fv's own checks). */
export function fromOnnxruntime(error: FvError): FvError {
  if (error.details?.onnxruntime) return error;
  const marked = new FvError(error.code, error.message, { ...error.details, onnxruntime: {} });
  if (error.stack) marked.stack = error.stack;
  return marked;
}

/** True when onnxruntime raised `error` (see {@link fromOnnxruntime}). */
export function isOnnxruntimeError(error: unknown): error is FvError {
  return error instanceof FvError && error.details?.onnxruntime !== undefined;
}

// Every code (a compile error when core adds one and this list does not): an unknown code from
// the other side becomes INTERNAL.
const CODES: ReadonlySet<string> = new Set(
  Object.keys({
    INVALID_MODEL: true,
    UNSUPPORTED_OP: true,
    UNKNOWN_TENSOR: true,
    INVALID_ARGUMENT: true,
    INVALID_CONFIG: true,
    UNSUPPORTED_MODEL: true,
    OUT_OF_RANGE: true,
    SHAPE_MISMATCH: true,
    INVALID_IMAGE: true,
    BACKEND_UNAVAILABLE: true,
    WORKER_CRASHED: true,
    WORKER_TIMEOUT: true,
    DISPOSED: true,
    ABORTED: true,
    INTERNAL: true,
  } satisfies Record<FvErrorCode, true>),
);

export function serializeError(error: unknown, fallback?: FvErrorCode): SerializedFvError {
  return toFvError(error, fallback).toJSON();
}

export function deserializeError(data: SerializedFvError): FvError {
  const code = CODES.has(data.code) ? data.code : 'INTERNAL';
  return FvError.fromJSON({ ...data, code });
}

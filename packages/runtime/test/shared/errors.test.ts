// onnxruntime's errors as typed FvErrors: the C API status in onnxruntime-web's messages decides
// the code (the messages below are onnxruntime-web 1.30's own format), script errors their class,
// onnxruntime-node's status-less messages their text.
import { FvError } from '@fv/core';
import { describe, expect, test } from 'vitest';
import {
  deserializeError,
  isOnnxruntimeError,
  serializeError,
  toFvError,
} from '../../src/shared/errors.js';

const ort = (what: string, code: number, text: string) =>
  new Error(`${what} ERROR_CODE: ${code}, ERROR_MESSAGE: ${text}`);

describe('onnxruntime error classification', () => {
  test.each([
    [
      ort("Can't create a session.", 7, 'Protobuf parsing failed.'),
      'INVALID_MODEL',
      'INVALID_PROTOBUF',
    ],
    [
      ort("Can't create a session.", 6, 'No Op registered for NoSuchOp with domain_version of 13'),
      'UNSUPPORTED_OP',
      'RUNTIME_EXCEPTION',
    ],
    [
      ort(
        "Can't create a session.",
        9,
        'Could not find an implementation for Foo(1) node with name x',
      ),
      'UNSUPPORTED_OP',
      'NOT_IMPLEMENTED',
    ],
    [
      ort("Can't create a session.", 10, 'This is an invalid model. Type Error'),
      'INVALID_MODEL',
      'INVALID_GRAPH',
    ],
    [
      ort(
        'failed to call OrtRun().',
        2,
        'Got invalid dimensions for input: x for the following indices',
      ),
      'SHAPE_MISMATCH',
      'INVALID_ARGUMENT',
    ],
    [
      ort('failed to call OrtRun().', 2, 'Invalid Output Name:nope'),
      'UNKNOWN_TENSOR',
      'INVALID_ARGUMENT',
    ],
    [ort('failed to call OrtRun().', 11, 'WebGPU device lost'), 'BACKEND_UNAVAILABLE', 'EP_FAIL'],
    [ort('failed to call OrtRun().', 1, 'something else'), 'INTERNAL', 'FAIL'],
  ] as const)('%s → %s', (error, code, status) => {
    const fv = toFvError(error);
    expect(fv.code).toBe(code);
    expect(fv.details?.onnxruntime).toMatchObject({ status });
    expect(isOnnxruntimeError(fv)).toBe(true);
    expect(fv.message).toBe(error.message);
  });

  test('the caller decides what a generic failure means', () => {
    expect(toFvError(ort("Can't create a session.", 1, 'oops'), 'INVALID_MODEL').code).toBe(
      'INVALID_MODEL',
    );
  });

  test('script errors: no backend, a bad feed, argument errors by class', () => {
    expect(toFvError(new Error('no available backend found. ERR: [wasm] x')).code).toBe(
      'BACKEND_UNAVAILABLE',
    );
    expect(toFvError(new Error("input 'image' is missing in 'feeds'.")).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(toFvError(new TypeError('bad')).code).toBe('INVALID_ARGUMENT');
    expect(toFvError(new Error('anything')).code).toBe('INTERNAL');
    expect(isOnnxruntimeError(toFvError(new Error('anything')))).toBe(false);
  });

  // onnxruntime-node 1.30 throws the C++ exception's text without the status (observed messages).
  test.each([
    [
      'Load model from m.onnx failed:This is an invalid model. In Node, ("", FooBar, "", -1) : ("x": tensor(float),) -> ("y": tensor(float),) , Error No Op registered for FooBar with domain_version of 13',
      'UNSUPPORTED_OP',
    ],
    ['Failed to load model because protobuf parsing failed.', 'INVALID_MODEL'],
    [
      'Invalid rank for input: x Got: 2 Expected: 4 Please fix either the inputs/outputs or the model.',
      'SHAPE_MISMATCH',
    ],
    ["'fetches' contains invalid output name: nope.", 'UNKNOWN_TENSOR'],
    ["input 'dy' is missing in 'feeds'.", 'INVALID_ARGUMENT'],
  ] as const)('onnxruntime-node: %s → %s', (message, code) => {
    expect(toFvError(new Error(message)).code).toBe(code);
  });

  test('FvErrors pass through and survive serialization; unknown codes become INTERNAL', () => {
    const e = new FvError('OUT_OF_RANGE', 'x', { index: 3 });
    expect(toFvError(e)).toBe(e);
    const back = deserializeError(serializeError(e));
    expect([back.code, back.message, back.details]).toEqual(['OUT_OF_RANGE', 'x', { index: 3 }]);
    expect(deserializeError({ ...e.toJSON(), code: 'WHAT' as never }).code).toBe('INTERNAL');
  });
});

import { describe, expect, it } from 'vitest';
import { abortError, FvError, isFvError, throwIfAborted } from '../src/errors.js';

describe('FvError', () => {
  it('keeps code, message and details through a JSON round trip', () => {
    const e = new FvError(
      'UNSUPPORTED_OP',
      'No gradient rule for op NonMaxSuppression (node nms_1)',
      {
        opType: 'NonMaxSuppression',
      },
    );
    const back = FvError.fromJSON(structuredClone(e.toJSON()));
    expect(back).toBeInstanceOf(FvError);
    expect(back.code).toBe('UNSUPPORTED_OP');
    expect(back.message).toBe(e.message);
    expect(back.details).toEqual({ opType: 'NonMaxSuppression' });
    expect(isFvError(back, 'UNSUPPORTED_OP')).toBe(true);
    expect(isFvError(back, 'INVALID_MODEL')).toBe(false);
  });

  it('names aborts AbortError and throws only when the signal is aborted', () => {
    const controller = new AbortController();
    expect(() => throwIfAborted(controller.signal)).not.toThrow();
    controller.abort('user pressed stop');
    expect(() => throwIfAborted(controller.signal)).toThrowError(/user pressed stop/);
    const e = abortError();
    expect(e.name).toBe('AbortError');
    expect(e.code).toBe('ABORTED');
  });
});

// Option checks every method shares, so that each bad value fails the same way: an FvError
// `INVALID_ARGUMENT` naming the option and the value.
import { FvError } from './errors.js';

/** `value` when it is an integer ≥ 1 (≥ 0 with `allowZero`). */
export function positiveInteger(value: number, name: string, allowZero = false): number {
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${name} must be an integer ≥ ${allowZero ? 0 : 1}, got ${String(value)}`,
      { [name]: value },
    );
  }
  return value;
}

/** `value` when it is a finite number > 0 (≥ 0 with `allowZero`). */
export function positiveNumber(value: number, name: string, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`,
      { [name]: value },
    );
  }
  return value;
}

/** `value` when it is one of `allowed`; the message lists them. */
export function oneOf<T extends string>(value: T, allowed: readonly T[], name: string): T {
  if (!allowed.includes(value)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${name} must be ${allowed.map((a) => `'${a}'`).join(', ')}, got '${String(value)}'`,
      { [name]: value },
    );
  }
  return value;
}

/**
 * Checks that `options` has no key outside `known` (an unknown option is an error, never silently
 * ignored); the message names the key, `what` takes the options and the known keys.
 */
export function knownOptions(options: object, known: ReadonlySet<string>, what: string): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Unknown option '${key}' for ${what} (options: ${[...known].join(', ')})`,
        { option: key },
      );
    }
  }
}

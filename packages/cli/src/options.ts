// Parsing flag values: one number parser for every command, so a bad value fails the same way
// (an FvError `INVALID_ARGUMENT` naming the flag and the text).
import { FvError } from '@fv/core';

/** Constraints of {@link parseNumber}. */
export interface NumberRule {
  /** Whole numbers only. @defaultValue false */
  readonly integer?: boolean;
  /** Smallest allowed value. @defaultValue none */
  readonly min?: number;
}

/** A count or a size: a whole number ≥ 0. */
export const COUNT: NumberRule = { integer: true, min: 0 };

/**
 * The number in `text` (a flag's value), or `undefined` when the flag was not given. A fraction
 * `a/b` is accepted (`--scale 1/255`).
 * @throws FvError `INVALID_ARGUMENT` for text that is no (finite) number or breaks `rule`.
 */
export function parseNumber(
  text: string | undefined,
  flag: string,
  rule: NumberRule = {},
): number | undefined {
  if (text === undefined) return undefined;
  const parts = text.trim().split('/');
  const value =
    parts.length === 2 && parts.every((p) => p.trim() !== '')
      ? Number(parts[0]) / Number(parts[1])
      : text.trim() === ''
        ? Number.NaN
        : Number(text);
  const what = `${rule.integer ? 'an integer' : 'a number'}${rule.min !== undefined ? ` ≥ ${rule.min}` : ''}`;
  if (
    !Number.isFinite(value) ||
    (rule.integer && !Number.isInteger(value)) ||
    (rule.min !== undefined && value < rule.min)
  ) {
    throw new FvError('INVALID_ARGUMENT', `${flag} must be ${what}, got '${text}'`);
  }
  return value;
}

/** Numbers separated by commas or spaces (`--mean 0.485,0.456,0.406`). */
export function parseNumberList(text: string, flag: string): number[] {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${flag} must be numbers separated by commas, got '${text}'`,
    );
  }
  return parts.map((p) => parseNumber(p, flag)!);
}

/** `text` when it is one of `allowed` (the message lists them), else the default. */
export function parseChoice<T extends string>(
  text: string | undefined,
  allowed: readonly T[],
  flag: string,
  what = 'value',
): T | undefined {
  if (text === undefined) return undefined;
  if (!allowed.includes(text as T)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Unknown ${what} '${text}' for ${flag} (${allowed.join(', ')})`,
    );
  }
  return text as T;
}

// What commands print: human lines on stdout, or one JSON document with --json.
import { mkdirSync } from 'node:fs';
import { extname } from 'node:path';
import { FvError } from '@fv/core';
import { isDirectory } from './files.js';

/** Prints `value` as indented JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints a line on stdout. */
export function println(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Milliseconds since `start` (a `performance.now()` value), rounded. */
export function elapsed(start: number): number {
  return Math.round(performance.now() - start);
}

/**
 * Decides where a command writes: `--out FILE.png` for one input, `--out DIR` (an existing folder,
 * a path ending in `/` or without extension, created when missing) for one or many. Returns the base path (no extension) for `input`.
 * @throws FvError `INVALID_ARGUMENT` when several inputs would go to one file.
 */
export function outputBase(out: string, count: number, name: string, suffix: string): string {
  const asDir = isDirectory(out) || out.endsWith('/') || extname(out) === '';
  if (!asDir) {
    if (count > 1) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `--out '${out}' is a file but ${count} images were given; pass a folder`,
      );
    }
    return out.replace(/\.(png|apng|npy)$/i, '');
  }
  if (!isDirectory(out)) mkdirSync(out, { recursive: true });
  return `${out.replace(/\/+$/, '')}/${name}${suffix}`;
}

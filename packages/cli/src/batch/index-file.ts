// The JSON Lines index of a batch run: one line per finished image (what it wrote, its target,
// label, score and time), appended once the image's files are all in place, so that the index is
// the record of completion that `--resume` trusts and `fv merge` combines.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FvError } from '@fv/core';
import { writeFileAtomic } from '../files.js';
import { type Shard, shardName } from './shard.js';

/** One line of an index. Commands add their own fields (target, label, score, method, …). */
export interface IndexEntry {
  /** The image, as the command line named it. */
  readonly image: string;
  /** The files written for it, by kind (`grid`, `positive`, `attribution`, …). */
  readonly files: Readonly<Record<string, string>>;
  /** Milliseconds it took. */
  readonly ms: number;
  readonly [field: string]: unknown;
}

/** `OUT/index.jsonl`, or `OUT/index.K-of-N.jsonl` for a shard; `explicit` (`--index`) wins. */
export function indexPath(out: string, shard: Shard | undefined, explicit?: string): string {
  if (explicit) return explicit;
  return join(out, shard ? `index.${shardName(shard)}.jsonl` : 'index.jsonl');
}

/** An index's entries. */
export interface IndexContents {
  readonly entries: IndexEntry[];
  /** The last line was cut short (the run was killed while appending it) and was ignored. */
  readonly torn: boolean;
}

function isEntry(value: unknown): value is IndexEntry {
  const v = value as Partial<IndexEntry> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.image === 'string' &&
    typeof v.files === 'object' &&
    v.files !== null
  );
}

/**
 * Reads an index (an absent file is empty). A torn last line (a run killed mid-append) is
 * ignored; any other line that is not an entry is an error.
 * @throws FvError `INVALID_ARGUMENT` naming the file and the line.
 */
export function readIndex(path: string): IndexContents {
  if (!existsSync(path)) return { entries: [], torn: false };
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const last = lines.length - 1;
  const entries: IndexEntry[] = [];
  let torn = false;
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (isEntry(value)) entries.push(value);
    else if (i === last) torn = true;
    else {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Index '${path}' line ${i + 1} is not an fv index entry: ${line.slice(0, 80)}`,
      );
    }
  }
  return { entries, torn };
}

/** Appends entries to an index, starting it over (atomically) with `kept` at the first entry. */
export class IndexWriter {
  private started = false;

  constructor(
    readonly path: string,
    private readonly kept: readonly IndexEntry[] = [],
  ) {}

  /** Records one finished image (a whole line in one write). */
  append(entry: IndexEntry): void {
    const line = `${JSON.stringify(entry)}\n`;
    if (this.started) {
      appendFileSync(this.path, line);
      return;
    }
    writeFileAtomic(this.path, this.kept.map((e) => `${JSON.stringify(e)}\n`).join('') + line);
    this.started = true;
  }

  /** Writes the kept entries when nothing was appended (a resumed run with nothing left to do). */
  finish(): void {
    if (this.started) return;
    writeFileAtomic(this.path, this.kept.map((e) => `${JSON.stringify(e)}\n`).join(''));
    this.started = true;
  }
}

// `fv merge INDEX|FOLDER…`: the JSON Lines indexes of a sharded run (`--shard K/N` on N machines)
// as one index, sorted by image: every shard present, no image claimed twice.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FvError } from '@fv/core';
import { type IndexEntry, readIndex } from '../batch/index-file.js';
import { isDirectory, writeFileAtomic } from '../files.js';
import { println } from '../output.js';

export interface MergeOptions {
  readonly out?: string;
  readonly partial?: boolean;
}

const SHARD_INDEX = /^index\.(\d+)-of-(\d+)\.jsonl$/;

/** The index files named by the arguments: files as given, folders' shard indexes sorted. */
function indexFiles(args: readonly string[]): string[] {
  const files: string[] = [];
  for (const arg of args) {
    if (!isDirectory(arg)) {
      files.push(arg);
      continue;
    }
    const found = readdirSync(arg)
      .filter((f) => SHARD_INDEX.test(f))
      .sort()
      .map((f) => join(arg, f));
    if (found.length === 0) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Folder '${arg}' has no shard indexes (index.K-of-N.jsonl)`,
      );
    }
    files.push(...found);
  }
  return files;
}

/** Every shard K of N must be there when the inputs are shard indexes of one N. */
function checkShards(files: readonly string[]): void {
  const shards = files.map((f) => SHARD_INDEX.exec(f.split(/[\\/]/).pop() ?? ''));
  if (shards.some((m) => !m)) return;
  const counts = new Set(shards.map((m) => Number(m![2])));
  if (counts.size > 1) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `The indexes come from runs split differently (N = ${[...counts].join(', ')})`,
    );
  }
  const n = [...counts][0]!;
  const present = new Set(shards.map((m) => Number(m![1])));
  const missing = Array.from({ length: n }, (_, k) => k).filter((k) => !present.has(k));
  if (missing.length > 0) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}-of-${n}`).join(', ')} missing (--partial merges what is there)`,
    );
  }
}

export function merge(args: readonly string[], o: MergeOptions): void {
  const files = indexFiles(args);
  if (!o.partial) checkShards(files);
  const byImage = new Map<string, { entry: IndexEntry; from: string }>();
  let torn = 0;
  for (const file of files) {
    const contents = readIndex(file);
    if (contents.torn) torn++;
    for (const entry of contents.entries) {
      const seen = byImage.get(entry.image);
      if (seen && seen.from !== file) {
        throw new FvError(
          'INVALID_ARGUMENT',
          `'${entry.image}' is in both '${seen.from}' and '${file}' (shards of different splits?)`,
        );
      }
      byImage.set(entry.image, { entry, from: file });
    }
  }
  if (torn > 0 && !o.partial) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${torn} index${torn > 1 ? 'es end' : ' ends'} in a cut-off line: a shard was killed; rerun it with --resume (or merge with --partial)`,
    );
  }
  const images = [...byImage.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const text = images.map((i) => `${JSON.stringify(byImage.get(i)!.entry)}\n`).join('');
  if (o.out === undefined || o.out === '-') {
    process.stdout.write(text);
    return;
  }
  writeFileAtomic(o.out, text);
  println(`${images.length} images from ${files.length} index files → ${o.out}`);
}

// `--shard K/N`: one machine's part of a dataset. The split is deterministic (the same files, sorted
// by path, dealt round-robin), so that N independent jobs (a Kubernetes indexed Job, a Slurm job
// array, GNU parallel) cover every file exactly once without talking to each other.
import { FvError } from '@fv/core';

/** Shard `index` of `count` (0 ≤ index < count). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * Parses `K/N` (K from 0, as Kubernetes' `JOB_COMPLETION_INDEX` and a Slurm array `--array=0-(N-1)`
 * number them).
 * @throws FvError `INVALID_ARGUMENT` naming the flag and the text.
 */
export function parseShard(text: string | undefined, flag = '--shard'): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || index >= count) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${flag} must be K/N with 0 ≤ K < N (for example 0/4 … 3/4), got '${text}'`,
    );
  }
  return { index, count };
}

/** `K-of-N`, as shard files are named. */
export function shardName(shard: Shard): string {
  return `${shard.index}-of-${shard.count}`;
}

/**
 * The items of `shard`: all items sorted by `key` (code-unit order, the same on every machine),
 * then every N-th from the K-th. Without a shard, all items as given.
 */
export function selectShard<T>(
  items: readonly T[],
  shard: Shard | undefined,
  key: (item: T) => string,
): T[] {
  if (!shard) return [...items];
  const sorted = [...items].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return sorted.filter((_, i) => i % shard.count === shard.index);
}

// Running a command over many images, as a good citizen of the schedulers people already have:
// `--shard K/N` takes this job's part of the sorted list, `--resume` skips images the index lists
// with all their files, `--workers W` runs W engines (each its own worker thread and session) in
// this process, and every finished image is one line of the JSON Lines index. Any batch command
// uses it through `batchFlags`, `batchSettings` and `runBatch`; outputs are written atomically.
import { existsSync, mkdirSync } from 'node:fs';
import { FvError } from '@fv/core';
import type { Command } from 'commander';
import { removeStaleTemporaries } from '../files.js';
import { openSession, type ResolvedModel, type Session } from '../model.js';
import { parseNumber } from '../options.js';
import { type Progress, startProgress } from '../progress.js';
import { type IndexEntry, IndexWriter, indexPath, readIndex } from './index-file.js';
import { parseShard, type Shard, selectShard } from './shard.js';

/** The batch flags as commander gives them. */
export interface BatchFlags {
  readonly shard?: string;
  readonly resume?: boolean;
  readonly workers?: string;
  readonly index?: string;
}

/** The batch flags, checked. */
export interface BatchSettings {
  readonly shard?: Shard;
  readonly resume: boolean;
  /** Engines in this process. */
  readonly workers: number;
  /** `--index`, when given. */
  readonly index?: string;
}

/** Adds `--shard`, `--resume`, `--workers` and `--index` to a command. */
export function batchFlags(command: Command): Command {
  return command
    .option(
      '--shard <K/N>',
      'only the K-th of N parts (K from 0) of the sorted images, for N jobs on N machines',
    )
    .option(
      '--resume',
      'skip the images the index lists with all their files (after a killed or preempted run)',
    )
    .option('--workers <n>', 'engines in this process, each its own thread and session', '1')
    .option(
      '--index <file>',
      'the JSON Lines index of finished images (default: OUT/index.jsonl, OUT/index.K-of-N.jsonl for a shard)',
    );
}

/**
 * Checks the batch flags.
 * @throws FvError `INVALID_ARGUMENT` naming the flag.
 */
export function batchSettings(flags: BatchFlags): BatchSettings {
  const shard = parseShard(flags.shard);
  const workers = parseNumber(flags.workers ?? '1', '--workers', { integer: true, min: 1 })!;
  return {
    ...(shard ? { shard } : {}),
    resume: flags.resume === true,
    workers,
    ...(flags.index ? { index: flags.index } : {}),
  };
}

/** Something that runs images: an engine, or whatever a command keeps per engine. */
export interface BatchWorker {
  dispose(): Promise<void>;
}

/** A batch worker that is one engine (its own worker thread and session) for `model`. */
export type EngineWorker = Session & BatchWorker;

/**
 * `open` for a batch of engines: worker `n` of `count` starts its own engine for `model` (the
 * cores shared between them; the wasm notice from the first only).
 */
export function openEngine(
  model: ResolvedModel,
): (n: number, count: number) => Promise<EngineWorker> {
  return async (n, count) => {
    const session = await openSession(model, { engines: count, notice: n === 0 });
    return { ...session, dispose: () => session.engine.dispose() };
  };
}

/** The line saying how much of a resumed batch was done already (undefined when nothing was). */
export function resumedLine(result: BatchResult<IndexEntry>): string | undefined {
  if (result.resumed === 0) return undefined;
  const { resumed, entries, index } = result;
  return `${resumed} of ${entries.length} images were done already (${index}); ${entries.length - resumed} computed now`;
}

/** A batch: which images, where, and what to do with each. */
export interface BatchJob<W extends BatchWorker, E extends IndexEntry> {
  /** Progress label. */
  readonly name: string;
  /** Every image of the whole dataset, in command-line order (shards are taken from it here). */
  readonly images: readonly string[];
  /** The output folder (the index goes there unless `--index` says otherwise). */
  readonly out: string;
  readonly settings: BatchSettings;
  /** Whether to keep an index without `--shard`, `--resume` or `--index`. @defaultValue false */
  readonly alwaysIndex?: boolean;
  /** Whether to draw progress bars (see `progressEnabled`). @defaultValue false */
  readonly progress?: boolean;
  /** The files `image` will be written to (checked for clashes, resumed, cleaned after a kill). */
  files(image: string): readonly string[];
  /** Starts worker `n` of `count` (each its own engine). */
  open(n: number, count: number): Promise<W>;
  /** Does one image (writing its files atomically) and says what it wrote. */
  run(worker: W, image: string, progress: Progress): Promise<E>;
  /** Called as each image finishes (a line for the terminal). */
  finished?(entry: E): void;
}

/** What a batch did. */
export interface BatchResult<E extends IndexEntry> {
  /** One entry per image of this shard, in order (resumed ones from the index). */
  readonly entries: readonly E[];
  /** How many were resumed from the index rather than computed. */
  readonly resumed: number;
  /** The index written, if any. */
  readonly index: string | undefined;
}

/** Two images that would write the same file are an error (a shard would overwrite another's). */
function checkClashes(job: BatchJob<BatchWorker, IndexEntry>): void {
  const owner = new Map<string, string>();
  for (const image of job.images) {
    for (const file of job.files(image)) {
      const other = owner.get(file);
      if (other !== undefined && other !== image) {
        throw new FvError(
          'INVALID_ARGUMENT',
          `'${other}' and '${image}' would both be written to '${file}': rename one, or run them into different --out folders`,
        );
      }
      owner.set(file, image);
    }
  }
}

/**
 * Runs `job` over this shard's images with `settings.workers` workers, skipping (under
 * `--resume`) the images the index lists with all their files, and appending a line to the index
 * as each image finishes. The first failure stops the workers (images in flight finish) and is
 * thrown; the index then lists what was done.
 */
export async function runBatch<W extends BatchWorker, E extends IndexEntry>(
  job: BatchJob<W, E>,
): Promise<BatchResult<E>> {
  const { settings } = job;
  checkClashes(job as unknown as BatchJob<BatchWorker, IndexEntry>);
  const images = selectShard(job.images, settings.shard, (image) => image);
  const indexed =
    job.alwaysIndex === true ||
    settings.shard !== undefined ||
    settings.resume ||
    settings.index !== undefined;
  const index = indexed ? indexPath(job.out, settings.shard, settings.index) : undefined;
  // The output folder holds the index by default (created as outputs' folders are).
  if (index && settings.index === undefined) mkdirSync(job.out, { recursive: true });

  const done = new Map<string, E>();
  if (index && settings.resume) {
    const mine = new Set(images);
    for (const entry of readIndex(index).entries) {
      const expected = job.files(entry.image);
      const complete =
        mine.has(entry.image) &&
        expected.every((f) => Object.values(entry.files).includes(f) && existsSync(f));
      if (complete) done.set(entry.image, entry as E);
    }
    removeStaleTemporaries(images.filter((i) => !done.has(i)).flatMap((i) => job.files(i)));
  }
  const writer = index ? new IndexWriter(index, [...done.values()]) : undefined;
  const todo = images.filter((i) => !done.has(i));

  const results = new Map<string, E>(done);
  const bar = startProgress(job.name, images.length, job.progress === true && todo.length > 1);
  bar.update(done.size);
  const count = Math.min(settings.workers, todo.length);
  const workers: W[] = [];
  let failure: { error: unknown } | undefined;
  try {
    const opened = await Promise.allSettled(
      Array.from({ length: count }, (_, n) => job.open(n, count)),
    );
    for (const o of opened) if (o.status === 'fulfilled') workers.push(o.value);
    const refused = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (refused) throw refused.reason;
    let next = 0;
    await Promise.all(
      workers.map(async (worker) => {
        while (!failure && next < todo.length) {
          const image = todo[next++]!;
          try {
            const inner = startProgress(
              `  ${job.name}`,
              1,
              job.progress === true && todo.length === 1,
            );
            let entry: E;
            try {
              entry = await job.run(worker, image, inner);
            } finally {
              inner.stop();
            }
            writer?.append(entry);
            results.set(image, entry);
            bar.update(results.size, image);
            job.finished?.(entry);
          } catch (error) {
            failure ??= { error };
          }
        }
      }),
    );
    if (failure) throw failure.error;
    writer?.finish();
  } finally {
    bar.stop();
    await Promise.all(workers.map((w) => w.dispose().catch(() => undefined)));
  }
  return {
    entries: images.map((i) => results.get(i)!),
    resumed: done.size,
    index,
  };
}

// Dataset-scale runs of `fv saliency`: `--shard K/N` splits the sorted images so that N jobs cover
// each exactly once (their union is the unsharded run, byte for byte), `fv merge` combines the
// shard indexes, `--workers W` gives the same files as one engine, and a run killed mid-way and
// resumed with `--resume` finishes without redoing finished images or leaving half-written files.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { decodePng } from '@fv/viz';
import { afterAll, describe, expect, test } from 'vitest';
import { cliPath, defaultModel, fv, heldoutDir, repoRoot, tempDir } from './helpers.js';

const T = 300_000;
const root = tempDir('fv-batch-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * 15 held-out images of the default model (not their masks; 15 keeps the four runs short), given
 * in reverse order: shards are taken from the sorted list whatever the order.
 */
const images = readdirSync(heldoutDir)
  .filter((f) => f.endsWith('.png') && !f.endsWith('.mask.png'))
  .sort()
  .slice(0, 15)
  .map((f) => join(heldoutDir, f))
  .reverse();

interface Entry {
  image: string;
  target: number;
  label: string;
  score: number;
  files: Record<string, string>;
  ms: number;
}

/** The entries of JSON Lines text. */
const jsonLines = <T = Entry>(text: string): T[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

const readLines = (file: string): Entry[] => jsonLines(readFileSync(file, 'utf8'));

/** `fv merge FOLDER` (which must succeed): the merged entries. */
async function mergeFolder<T>(folder: string): Promise<T[]> {
  const m = await fv(['merge', folder]);
  expect([m.code, m.stderr]).toEqual([0, '']);
  return jsonLines<T>(m.stdout);
}

/** Every file of a folder (dot files too) by name, with its bytes. */
function contents(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

/** The map files (not the indexes) of a folder, by name. */
const maps = (dir: string) =>
  new Map([...contents(dir)].filter(([name]) => !name.startsWith('index')));

/** `fv saliency` over the images into `out/` (grid and absolute maps, the .npy files). */
const saliencyArgs = (out: string, ...flags: string[]) => [
  'saliency',
  defaultModel,
  ...images,
  '--out',
  `${out}/`,
  '--maps',
  'grid,absolute',
  '--save-npy',
  '--threads',
  '1',
  ...flags,
];

const saliency = (out: string, ...flags: string[]) => fv(saliencyArgs(out, ...flags));

describe('fv saliency over a dataset: --shard, fv merge, --workers, --resume', () => {
  const whole = join(root, 'whole');
  const sharded = join(root, 'sharded');

  test('3 shards (one with 2 workers): their union is the unsharded run, byte for byte', {
    timeout: T,
  }, async () => {
    expect(images).toHaveLength(15);
    const r = await saliency(whole, '--index', join(root, 'whole.jsonl'));
    expect([r.code, r.stderr]).toEqual([0, '']);
    for (const k of [0, 1, 2]) {
      const s = await saliency(
        sharded,
        '--shard',
        `${k}/3`,
        ...(k === 1 ? ['--workers', '2'] : []),
      );
      expect([s.code, s.stderr]).toEqual([0, '']);
    }
    const shardLists = [0, 1, 2].map((k) =>
      readLines(join(sharded, `index.${k}-of-3.jsonl`)).map((e) => e.image),
    );
    // Disjoint, together every image, each shard a third (± 1).
    const union = shardLists.flat();
    expect(new Set(union).size).toBe(union.length);
    expect([...union].sort()).toEqual([...images].sort());
    for (const list of shardLists) {
      expect(Math.abs(list.length - images.length / 3)).toBeLessThan(1);
    }
    // The same files with the same bytes as the unsharded run.
    const [a, b] = [maps(whole), maps(sharded)];
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect(a.size).toBe(images.length * 4);
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes), name).toBe(true);

    // fv merge: one index, sorted by image, the same targets and scores as the unsharded run.
    const merged = join(root, 'merged.jsonl');
    const m = await fv(['merge', sharded, '--out', merged]);
    expect([m.code, m.stderr]).toEqual([0, '']);
    const got = readLines(merged);
    const expected = readLines(join(root, 'whole.jsonl')).sort((x, y) =>
      x.image < y.image ? -1 : 1,
    );
    expect(got.map((e) => e.image)).toEqual(expected.map((e) => e.image));
    expect(got.map((e) => [e.target, e.label, e.score])).toEqual(
      expected.map((e) => [e.target, e.label, e.score]),
    );
  });

  test('--workers 2 (each engine drawing in its own picture thread) writes the bytes of one worker', {
    timeout: T,
  }, async () => {
    const two = join(root, 'two-workers');
    const r = await saliency(two, '--workers', '2');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const [a, b] = [maps(whole), maps(two)];
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes), name).toBe(true);
  });

  test('fv merge refuses a missing shard and a torn index unless --partial', {
    timeout: T,
  }, async () => {
    const partial = join(root, 'partial');
    const s = await saliency(partial, '--shard', '1/3');
    expect(s.code).toBe(0);
    const missing = await fv(['merge', partial]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Shards 0-of-3, 2-of-3 missing.*\[INVALID_ARGUMENT\]/);
    // A shard's index whose last line a kill cut short (under another name: no shard check).
    const torn = join(partial, 'torn.jsonl');
    writeFileSync(
      torn,
      `${readFileSync(join(partial, 'index.1-of-3.jsonl'), 'utf8')}{"image": "cut`,
    );
    const lenient = await fv(['merge', torn, '--partial']);
    expect(lenient.code).toBe(0);
    const third = images.filter((_, i) => i % 3 === 1).length;
    expect(lenient.stdout.trim().split('\n')).toHaveLength(third);
    const strict = await fv(['merge', torn]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/cut-off line.*--resume/);
  });

  test('killed mid-run and resumed: finished images are not redone, no half-written files', {
    timeout: T,
  }, async () => {
    const out = join(root, 'killed');
    const index = join(out, 'index.jsonl');
    const args = [cliPath, ...saliencyArgs(out, '--resume')];
    mkdirSync(out);
    const child: ChildProcess = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: { ...process.env, FV_NO_PROGRESS: '1' },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Kill it (no chance to clean up) once a few images are done and well before the end.
    for (;;) {
      const done = existsSync(index) ? readLines(index).length : 0;
      if (done >= 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const before = readLines(index);
    expect(before.length).toBeLessThan(images.length);
    const finished = new Map(
      before.flatMap((e) => Object.values(e.files)).map((f) => [f, statSync(f).mtimeMs] as const),
    );
    // Every file in place is whole (rename is atomic): the PNGs decode.
    for (const f of readdirSync(out).filter((n) => n.endsWith('.png') && !n.startsWith('.'))) {
      expect(() => decodePng(new Uint8Array(readFileSync(join(out, f)))), f).not.toThrow();
    }

    const resumed = await fv(args.slice(1));
    expect([resumed.code, resumed.stderr]).toEqual([0, '']);
    expect(resumed.stdout).toContain(
      `${before.length} of ${images.length} images were done already`,
    );
    // Finished images were not written again; everything is there, byte for byte as one run.
    for (const [f, mtime] of finished) expect(statSync(f).mtimeMs, f).toBe(mtime);
    expect(
      readLines(index)
        .map((e) => e.image)
        .sort(),
    ).toEqual([...images].sort());
    const whole = maps(join(root, 'whole'));
    const got = maps(out);
    expect([...got.keys()].filter((n) => n.startsWith('.'))).toEqual([]);
    expect([...got.keys()].sort()).toEqual([...whole.keys()].sort());
    for (const [name, bytes] of whole) expect(got.get(name)!.equals(bytes), name).toBe(true);
  });

  test('bad batch flags are errors naming the flag', { timeout: T }, async () => {
    for (const [flag, value] of [
      ['--shard', '3/3'],
      ['--shard', 'a/b'],
      ['--workers', '0'],
    ] as const) {
      const r = await saliency(join(root, 'bad'), flag, value);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`${flag}.*\\[INVALID_ARGUMENT\\]`));
    }
  });
});

// The other commands that go over folders of images share the batch flags (batch/run.ts):
// `fv classify` (the index holds the predictions) and `fv evaluate` (the index holds every score,
// so a resumed run's summary is the whole run's).
describe('fv classify and fv evaluate over a dataset: --shard, --workers, --resume', () => {
  interface Prediction {
    index: number;
    probability: number;
  }
  interface Classified {
    image: string;
    top: Prediction[];
  }

  test('classify: 3 shards (one with 2 workers) merge into the unsharded predictions; resume redoes only what is missing', {
    timeout: T,
  }, async () => {
    const out = join(root, 'classify');
    const whole = await fv(['classify', defaultModel, ...images, '--top', '2', '--json']);
    expect([whole.code, whole.stderr]).toEqual([0, '']);
    const expected = (JSON.parse(whole.stdout) as Classified[]).map((e) => [e.image, e.top]);
    for (const k of [0, 1, 2]) {
      const s = await fv([
        'classify',
        defaultModel,
        ...images,
        '--top',
        '2',
        '--out',
        out,
        '--shard',
        `${k}/3`,
        '--threads',
        '1',
        ...(k === 1 ? ['--workers', '2'] : []),
      ]);
      expect([s.code, s.stderr]).toEqual([0, '']);
    }
    const merged = await mergeFolder<Classified & { files: object }>(out);
    expect(merged.map((e) => [e.image, e.top])).toEqual(
      [...expected].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    expect(merged.every((e) => Object.keys(e.files).length === 0)).toBe(true);

    // A shard whose index lost its last line (killed before appending it): only that image is
    // classified again, and --json lists the whole shard.
    const index = join(out, 'index.2-of-3.jsonl');
    const lines = readFileSync(index, 'utf8').trim().split('\n');
    writeFileSync(index, `${lines.slice(0, -1).join('\n')}\n`);
    const args = ['classify', defaultModel, ...images, '--top', '2', '--out', out];
    const resumed = await fv([...args, '--shard', '2/3', '--resume']);
    expect([resumed.code, resumed.stderr]).toEqual([0, '']);
    expect(resumed.stdout).toContain(
      `${lines.length - 1} of ${lines.length} images were done already`,
    );
    expect(readFileSync(index, 'utf8').trim().split('\n')).toHaveLength(lines.length);
    const json = await fv([...args, '--shard', '2/3', '--resume', '--json']);
    // In the shard's (sorted) order, each as the unsharded run classified it.
    const got = (JSON.parse(json.stdout) as Classified[]).map((e) => [e.image, e.top]);
    const mine = expected.filter(([image]) => lines.some((l) => l.includes(image as string)));
    expect(got).toEqual(mine.sort((a, b) => (a[0]! < b[0]! ? -1 : 1)));
    expect(got).toHaveLength(lines.length);
  });

  test('evaluate: 2 shards (one with 2 workers) give the unsharded scores and pictures; a resumed run summarizes every image', {
    timeout: T,
  }, async () => {
    const six = [...images].sort().slice(0, 6);
    const flags = ['--methods', 'vanilla,grad-cam', '--metrics', 'deletion', '--threads', '1'];
    const evaluate = (out: string, ...more: string[]) =>
      fv(['evaluate', defaultModel, ...six, ...flags, '--out', `${out}/`, ...more]);
    interface Evaluated {
      images: { image: string; methods: { method: string; scores: object }[] }[];
      summary: unknown;
    }
    const wholeDir = join(root, 'evaluate-whole');
    const whole = await evaluate(wholeDir, '--json');
    expect([whole.code, whole.stderr]).toEqual([0, '']);
    const expected = JSON.parse(whole.stdout) as Evaluated;
    const scores = (e: Evaluated['images'][number]) => [e.image, e.methods];

    const sharded = join(root, 'evaluate-sharded');
    for (const k of [0, 1]) {
      const s = await evaluate(
        sharded,
        '--shard',
        `${k}/2`,
        ...(k === 1 ? ['--workers', '2'] : []),
      );
      expect([s.code, s.stderr]).toEqual([0, '']);
    }
    const merged = await mergeFolder<Evaluated['images'][number]>(sharded);
    expect(merged.map(scores)).toEqual(expected.images.map(scores));
    // The per-image pictures, byte for byte; each shard summarizes its own images.
    const pictures = (dir: string) =>
      [...contents(dir)].filter(
        ([name]) => name.endsWith('.curves.png') && !name.startsWith('summary'),
      );
    const a = new Map(pictures(wholeDir));
    const b = new Map(pictures(sharded));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect(a.size).toBe(six.length);
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes), name).toBe(true);
    expect(existsSync(join(sharded, 'summary.0-of-2.curves.png'))).toBe(true);
    expect(existsSync(join(sharded, 'summary.1-of-2.curves.png'))).toBe(true);

    // Interrupted after 5 of 6 (the last image's index line and picture gone): --resume computes
    // one image, leaves the others' pictures alone, and the summary is the whole run's.
    const resumedDir = join(root, 'evaluate-resumed');
    const first = await evaluate(resumedDir, '--index', join(resumedDir, 'index.jsonl'));
    expect(first.code).toBe(0);
    const index = join(resumedDir, 'index.jsonl');
    const lines = readFileSync(index, 'utf8').trim().split('\n');
    const last = JSON.parse(lines.at(-1)!) as { files: { curves: string } };
    writeFileSync(index, `${lines.slice(0, -1).join('\n')}\n`);
    rmSync(last.files.curves);
    const kept = new Map(
      lines.slice(0, -1).map((l) => {
        const f = (JSON.parse(l) as { files: { curves: string } }).files.curves;
        return [f, statSync(f).mtimeMs] as const;
      }),
    );
    const resumed = await evaluate(resumedDir, '--resume', '--json');
    expect([resumed.code, resumed.stderr]).toEqual([0, '']);
    const got = JSON.parse(resumed.stdout) as Evaluated;
    expect(got.images.map(scores)).toEqual(expected.images.map(scores));
    expect(got.summary).toEqual(expected.summary);
    expect(existsSync(last.files.curves)).toBe(true);
    for (const [f, mtime] of kept) expect(statSync(f).mtimeMs, f).toBe(mtime);
  });
});

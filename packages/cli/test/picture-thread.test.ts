// The picture thread `fv saliency --workers W` draws in (src/picture-thread.ts), as built (a
// worker runs the built file): the same bytes as drawing in this thread, a drawing error comes
// back as the same typed FvError, and a stopped thread refuses work instead of hanging.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isFvError } from '@fv/core';
import { afterAll, describe, expect, test } from 'vitest';
import { type SaliencyFilesTask, saliencyFileBytes } from '../src/commands/saliency-files.js';
import { repoRoot } from './helpers.js';

const built = pathToFileURL(join(repoRoot, 'packages/cli/dist/picture-thread.js')).href;
const { PictureThread } = (await import(built)) as typeof import('../src/picture-thread.js');

/** An 8×6 picture and a signed map of both signs, every option set. */
function task(overrides: Partial<SaliencyFilesTask> = {}): SaliencyFilesTask {
  const [width, height] = [8, 6];
  const rgba = new Uint8ClampedArray(4 * width * height).map((_, i) => (i * 37) % 256);
  const data = new Float32Array(width * height).map((_, i) => Math.sin(i * 0.7) * (i + 1));
  return {
    image: { width, height, data: rgba },
    map: { width, height, data },
    attribution: {
      data: new Float32Array(3 * width * height).fill(0.25),
      dims: [1, 3, height, width],
    },
    pictures: ['grid', 'absolute', 'positive', 'negative', 'all'],
    style: 'blended-heat-map',
    normalize: { mode: 'percentile', percentile: 95 },
    colormap: 'viridis',
    ...overrides,
  };
}

describe('the picture thread', () => {
  const thread = new PictureThread();
  afterAll(() => thread.dispose());

  test('makes the same files, byte for byte, as this thread', async () => {
    const expected = saliencyFileBytes(task());
    const [got, again] = await Promise.all([
      thread.run(task()),
      thread.run(task({ pictures: [] })),
    ]);
    expect(Object.keys(got)).toEqual([
      'grid',
      'absolute',
      'positive',
      'negative',
      'all',
      'attribution',
      'maps',
    ]);
    for (const [kind, bytes] of Object.entries(expected)) {
      expect(Buffer.from(got[kind as keyof typeof got]!).equals(Buffer.from(bytes)), kind).toBe(
        true,
      );
    }
    expect(Object.keys(again)).toEqual(['attribution', 'maps']);
  });

  test('a drawing error is the same typed FvError', async () => {
    // A map that does not match the picture's size.
    const bad = task({ map: { width: 3, height: 2, data: new Float32Array(5) } });
    let local: unknown;
    try {
      saliencyFileBytes(bad);
    } catch (error) {
      local = error;
    }
    expect(isFvError(local)).toBe(true);
    const remote = await thread.run(bad).catch((error: unknown) => error);
    expect(isFvError(remote)).toBe(true);
    expect([(remote as Error).message, (remote as { code: string }).code]).toEqual([
      (local as Error).message,
      (local as { code: string }).code,
    ]);
    // The thread still works after an error.
    const { attribution: _, ...noNpy } = task({ pictures: ['grid'] });
    expect(Object.keys(await thread.run(noNpy))).toEqual(['grid']);
  });

  test('a stopped thread refuses work', async () => {
    const stopped = new PictureThread();
    await stopped.dispose();
    await expect(stopped.run(task())).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});

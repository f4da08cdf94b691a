// The default model's held-out set doubles as a saliency test bed: the object masks are known, so
// vanilla gradients and SmoothGrad must put their maximum inside the object (the "pointing game",
// Zhang et al. 2016, core's `pointingGame` with no tolerance) on at least 90 % of the images. Runs
// the CLI on the whole folder at once.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pointingGame } from '@fv/core';
import { decodePng } from '@fv/viz';
import { describe, expect, test } from 'vitest';
import { readNpy } from '../src/npy.js';
import { defaultModel, fv, heldoutDir, tempDir } from './helpers.js';

const images = readdirSync(heldoutDir)
  .filter((f) => f.endsWith('.png') && !f.endsWith('.mask.png'))
  .sort();

async function hitRate(method: string, extra: readonly string[]): Promise<number> {
  const out = tempDir();
  const files = images.map((f) => join(heldoutDir, f));
  const r = await fv([
    'saliency',
    defaultModel,
    ...files,
    '--method',
    method,
    '--maps',
    'none',
    '--save-npy',
    '--out',
    `${out}/`,
    '--json',
    ...extra,
  ]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const results = JSON.parse(r.stdout) as { image: string; files: { maps: string } }[];
  let hits = 0;
  for (const { image, files: written } of results) {
    const maps = readNpy(new Uint8Array(readFileSync(written.maps)));
    const [, height, width] = maps.shape as [number, number, number];
    // The absolute map M (the first plane) and the object mask (white inside).
    const map = { data: maps.data.subarray(0, width * height), width, height };
    const mask = decodePng(new Uint8Array(readFileSync(image.replace(/\.png$/, '.mask.png'))));
    const region = {
      data: Float32Array.from({ length: mask.width * mask.height }, (_, p) =>
        mask.data[p * 4]! > 127 ? 1 : 0,
      ),
      width: mask.width,
      height: mask.height,
    };
    if (pointingGame(map, region, 0).hit) hits++;
  }
  const score = hits / results.length;
  console.info(`pointing game, ${method}: ${hits}/${results.length} = ${score.toFixed(3)}`);
  return score;
}

describe('pointing game on the default model (held-out images with object masks)', () => {
  test('the held-out set is there', () => {
    expect(images.length).toBeGreaterThanOrEqual(30);
  });

  test('vanilla gradient: maximum inside the object on ≥ 90 % of images', {
    timeout: 240_000,
  }, async () => {
    expect(await hitRate('vanilla', [])).toBeGreaterThanOrEqual(0.9);
  });

  test('SmoothGrad: maximum inside the object on ≥ 90 % of images', {
    timeout: 240_000,
  }, async () => {
    expect(await hitRate('smoothgrad', ['--samples', '32', '--seed', '0'])).toBeGreaterThanOrEqual(
      0.9,
    );
  });
});

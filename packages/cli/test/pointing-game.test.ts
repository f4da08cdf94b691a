// The default model's held-out set doubles as a saliency test bed: the object masks are known, so
// vanilla gradients and SmoothGrad must put their maximum inside the object (the "pointing game",
// Zhang et al. 2016) on at least 90 % of the images. Runs the CLI on the whole folder at once.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng } from '@fv/viz';
import { describe, expect, test } from 'vitest';
import { readNpy } from '../src/npy.js';
import { defaultModel, fv, heldoutDir, tempDir } from './helpers.js';

const images = readdirSync(heldoutDir)
  .filter((f) => f.endsWith('.png') && !f.endsWith('.mask.png'))
  .sort();

async function pointingGame(method: string, extra: readonly string[]): Promise<number> {
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
    const [, h, w] = maps.shape as [number, number, number];
    let best = 0;
    for (let i = 1; i < h * w; i++) if (maps.data[i]! > maps.data[best]!) best = i;
    const mask = decodePng(new Uint8Array(readFileSync(image.replace(/\.png$/, '.mask.png'))));
    expect([mask.width, mask.height]).toEqual([w, h]);
    if (mask.data[best * 4]! > 127) hits++;
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
    expect(await pointingGame('vanilla', [])).toBeGreaterThanOrEqual(0.9);
  });

  test('SmoothGrad: maximum inside the object on ≥ 90 % of images', {
    timeout: 240_000,
  }, async () => {
    expect(
      await pointingGame('smoothgrad', ['--samples', '32', '--seed', '0']),
    ).toBeGreaterThanOrEqual(0.9);
  });
});

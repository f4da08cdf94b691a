// The default model's held-out set doubles as a saliency test bed: the object masks are known, so
// vanilla gradients and SmoothGrad must put their maximum inside the object (the "pointing game",
// Zhang et al. 2016, core's `pointingGame` with no tolerance) on at least 90 % of the images. Runs
// the CLI on the whole folder at once. The default ViT (models/vit, a model folder: no flags) on
// the same images: transformer attribution must reach 90 %; attention rollout and ViT Grad-CAM
// are reported, and must at least beat chance (the share of the images the objects cover).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pointingGame } from '@fv/core';
import { decodePng } from '@fv/viz';
import { describe, expect, test } from 'vitest';
import { readNpy } from '../src/npy.js';
import { defaultModel, fv, heldoutDir, tempDir, vitModel } from './helpers.js';

const images = readdirSync(heldoutDir)
  .filter((f) => f.endsWith('.png') && !f.endsWith('.mask.png'))
  .sort();

/** An object mask (white inside) as a region map. */
function maskOf(image: string) {
  const mask = decodePng(new Uint8Array(readFileSync(image.replace(/\.png$/, '.mask.png'))));
  return {
    data: Float32Array.from({ length: mask.width * mask.height }, (_, p) =>
      mask.data[p * 4]! > 127 ? 1 : 0,
    ),
    width: mask.width,
    height: mask.height,
  };
}

/** The share of the images inside the object masks: the hit rate of a random point. */
function chance(): number {
  let inside = 0;
  let total = 0;
  for (const f of images) {
    const mask = maskOf(join(heldoutDir, f));
    for (const v of mask.data) inside += v;
    total += mask.data.length;
  }
  return inside / total;
}

async function hitRate(
  method: string,
  extra: readonly string[],
  model = defaultModel,
): Promise<number> {
  const out = tempDir();
  const files = images.map((f) => join(heldoutDir, f));
  const r = await fv([
    'saliency',
    model,
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
    if (pointingGame(map, maskOf(image), 0).hit) hits++;
  }
  const score = hits / results.length;
  const name = model === defaultModel ? 'default model' : 'default ViT';
  console.info(
    `pointing game, ${name}, ${method}: ${hits}/${results.length} = ${score.toFixed(3)}`,
  );
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

describe('pointing game on the default ViT (a model folder, no flags)', () => {
  test('transformer attribution: maximum inside the object on ≥ 90 % of images', {
    timeout: 240_000,
  }, async () => {
    expect(await hitRate('transformer-attribution', [], vitModel)).toBeGreaterThanOrEqual(0.9);
  });

  test('attention rollout and ViT Grad-CAM: reported, above chance', {
    timeout: 240_000,
  }, async () => {
    const random = chance();
    console.info(`pointing game, a random point: ${random.toFixed(3)}`);
    for (const method of ['attention-rollout', 'grad-cam']) {
      expect(await hitRate(method, [], vitModel)).toBeGreaterThan(random);
    }
  });
});

// `fv microscope` on the committed default model: the site's files and links, resuming (nothing
// is redone, new images and units are added), shards merged through --index-only / --index, and
// the errors. Small settings keep it fast: the pictures' quality is not under test here.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { DatasetIndex } from '@fv/core';
import { decodePng } from '@fv/viz';
import { beforeAll, describe, expect, test } from 'vitest';
import { brokenReferences, htmlFiles } from '../../../test/helpers/static-site.js';
import { defaultModel, fv, samplesDir, tempDir } from './helpers.js';

const T = 240_000;
const FAST = ['--viz-steps', '4', '--viz-size', '32', '--top-k', '3', '--crops', '2'];
const LAYERS = ['--layers', 'conv2,block2/Add'];

/** A folder with the first `n` sample images. */
function dataset(n: number, dir = tempDir('fv-ds-')): string {
  for (const f of readdirSync(samplesDir).sort().slice(0, n))
    copyFileSync(join(samplesDir, f), join(dir, f));
  return dir;
}

/** `fv microscope` on the default model over `images`, writing `out`, with `flags`. */
const microscope = (images: string, out: string, ...flags: string[]) =>
  fv(['microscope', defaultModel, '--images', images, ...flags, '--out', out]);

const readIndex = (site: string): DatasetIndex =>
  JSON.parse(readFileSync(join(site, 'data/index.json'), 'utf8'));

describe('fv microscope', () => {
  let images: string;
  let site: string;
  let first: { work: Record<string, number>; units: number; images: number };

  beforeAll(async () => {
    images = dataset(6);
    site = join(tempDir(), 'site');
    const r = await microscope(images, site, ...LAYERS, '--channels', '0-1', ...FAST, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    first = JSON.parse(r.stdout);
  }, T);

  test('writes an overview, layer, unit and image pages whose links and pictures all exist', () => {
    expect(first).toMatchObject({
      images: 6,
      units: 4,
      work: { imagesIndexed: 6, unitsRendered: 4, imagesSummarized: 6 },
    });
    const pages = htmlFiles(site);
    const names = pages.map((p) => p.slice(site.length + 1));
    expect(names).toContain('index.html');
    expect(names).toEqual(expect.arrayContaining(['layers/conv2.html', 'layers/block2-Add.html']));
    expect(names).toEqual(
      expect.arrayContaining([
        'units/conv2/0.html',
        'units/conv2/1.html',
        'units/block2-Add/1.html',
      ]),
    );
    expect(names.filter((n) => n.startsWith('images/'))).toHaveLength(6);
    for (const page of pages) expect(brokenReferences(page, site), page).toEqual([]);
    // The layer pages link every rendered unit; the overview lists every layer of the model.
    const layer = readFileSync(join(site, 'layers/conv2.html'), 'utf8');
    expect(layer).toContain('href="../units/conv2/0.html"');
    const overview = readFileSync(join(site, 'index.html'), 'utf8');
    expect(overview).toContain('GlobalAveragePool');
    expect(overview).toContain('href="layers/block2-Add.html"');
    // block2/Add is a pre-activation sum: it has a sign, so its units show bottom crops too.
    expect(existsSync(join(site, 'units/block2-Add/0/bottom-crops.png'))).toBe(true);
    expect(existsSync(join(site, 'units/conv2/0/bottom-crops.png'))).toBe(false);
    const strip = decodePng(
      new Uint8Array(readFileSync(join(site, 'units/conv2/0/top-crops.png'))),
    );
    expect([strip.width, strip.height]).toEqual([2 * 64 + 2, 64]);
    const viz = decodePng(new Uint8Array(readFileSync(join(site, 'units/conv2/1/channel.png'))));
    expect([viz.width, viz.height]).toEqual([32, 32]);
  });

  test('the index is the dataset index of those images, with receptive-field crops', () => {
    const index = readIndex(site);
    expect(index.images.map((i) => i.id).sort()).toEqual(readdirSync(images).sort());
    const conv2 = index.layers[0]!;
    expect([conv2.layer, conv2.channels, conv2.height, conv2.width]).toEqual(['conv2', 32, 32, 32]);
    expect(conv2.receptiveField.y).toEqual({ jump: 2, start: -4, size: 9 });
    for (const e of conv2.units[0]!.topPositions) {
      expect(e.region.width).toBeLessThanOrEqual(9);
      expect(e.region.x).toBe(Math.max(0, 2 * e.x - 4));
    }
  });

  test(
    'resumes: a rerun redoes nothing; new images and units are all it adds',
    async () => {
      const before = statSync(join(site, 'units/conv2/0/channel.png')).mtimeMs;
      const again = await microscope(
        images,
        site,
        ...LAYERS,
        '--channels',
        '0-1',
        ...FAST,
        '--json',
      );
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout).work).toEqual({
        imagesIndexed: 0,
        unitsRendered: 0,
        imagesSummarized: 0,
      });
      expect(statSync(join(site, 'units/conv2/0/channel.png')).mtimeMs).toBe(before);
      // two more images and one more unit per layer
      for (const f of readdirSync(samplesDir).sort().slice(6, 8))
        copyFileSync(join(samplesDir, f), join(images, f));
      const more = await microscope(
        images,
        site,
        ...LAYERS,
        '--channels',
        '0-2',
        ...FAST,
        '--json',
      );
      expect(more.code).toBe(0);
      expect(JSON.parse(more.stdout).work).toEqual({
        imagesIndexed: 2,
        unitsRendered: 2,
        imagesSummarized: 2,
      });
      expect(readIndex(site).images).toHaveLength(8);
      for (const page of htmlFiles(site)) expect(brokenReferences(page, site), page).toEqual([]);
      // Other picture settings would mix two kinds of pictures: refused, with the way out.
      const changed = await microscope(images, site, ...LAYERS, ...FAST, '--viz-steps', '8');
      expect(changed.code).toBe(1);
      expect(changed.stderr).toMatch(/vizSteps.*--fresh/);
    },
    T,
  );

  test(
    'shards indexed apart and merged give the index of one run over all images',
    async () => {
      const all = dataset(8);
      const [a, b] = [dataset(0), dataset(0)];
      for (const [i, f] of readdirSync(all).sort().entries()) {
        copyFileSync(join(all, f), join(i % 2 ? a : b, f));
      }
      const dirs = [tempDir(), tempDir(), tempDir()];
      const runs = await Promise.all(
        [all, a, b].map((d, i) =>
          microscope(d, dirs[i]!, ...LAYERS, ...FAST, '--index-only', '--json'),
        ),
      );
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expect(existsSync(join(dirs[1]!, 'index.html'))).toBe(false);
      const merged = join(tempDir(), 'site');
      const r = await microscope(
        all,
        merged,
        ...LAYERS,
        ...FAST,
        '--channels',
        '0',
        '--index',
        join(dirs[1]!, 'data/index.json'),
        join(dirs[2]!, 'data/index.json'),
        '--json',
      );
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).work.imagesIndexed).toBe(0);
      const whole = readIndex(dirs[0]!);
      const combined = readIndex(merged);
      expect(combined.images.map((i) => i.id).sort()).toEqual(whole.images.map((i) => i.id).sort());
      combined.layers.forEach((l, li) => {
        l.units.forEach((u, c) => {
          const w = whole.layers[li]!.units[c]!;
          expect(u.top).toEqual(w.top);
          expect(u.topPositions).toEqual(w.topPositions);
          expect(u.bottomPositions).toEqual(w.bottomPositions);
          expect(u.histogram).toEqual(w.histogram);
        });
      });
      for (const page of htmlFiles(merged))
        expect(brokenReferences(page, merged), page).toEqual([]);
    },
    T,
  );

  test(
    'bad input: one error line, non-zero exit',
    async () => {
      const out = join(tempDir(), 'site');
      const noLayers = await microscope(images, out);
      expect(noLayers.code).toBe(1);
      expect(noLayers.stderr).toMatch(/--layers/);
      const unknown = await microscope(images, out, '--layers', 'nope');
      expect(unknown.stderr).toMatch(/Unknown layer 'nope'.*\[UNKNOWN_TENSOR\]/);
      const range = await microscope(images, out, ...LAYERS, '--channels', '99', ...FAST);
      expect(range.stderr).toMatch(/\[OUT_OF_RANGE\]/);
      // A folder that holds something else is never written into, nor deleted by --fresh.
      const other = tempDir();
      writeFileSync(join(other, 'notes.txt'), 'mine');
      const occupied = await microscope(images, other, ...LAYERS, ...FAST, '--fresh');
      expect(occupied.stderr).toMatch(/not empty and holds no fv microscope site/);
      expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('mine');
      const empty = tempDir();
      mkdirSync(join(empty, 'sub'));
      const noImages = await microscope(empty, out, ...LAYERS);
      expect(noImages.stderr).toMatch(/no PNG or JPEG images/);
    },
    T,
  );
});

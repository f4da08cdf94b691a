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

/** Every match of `pattern` (global) in `html`, as capture-group tuples. */
const all = (html: string, pattern: RegExp): string[][] =>
  [...html.matchAll(pattern)].map((m) => m.slice(1));

/** The HTML of `section` (an `<h2>` title) up to the next `<h2>`, empty when absent. */
function section(html: string, title: string): string {
  const start = html.indexOf(`<h2>${title}</h2>`);
  if (start < 0) return '';
  const end = html.indexOf('<h2>', start + 4);
  return html.slice(start, end < 0 ? undefined : end);
}

const fmt3 = (v: number) => v.toFixed(3);

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

  test(
    'each page shows what the dataset index and the model hold',
    async () => {
      const index = readIndex(site);
      const html = (path: string) => readFileSync(join(site, path), 'utf8');
      // Overview: every layer of the model (fv inspect's list) with its op and shape; the indexed
      // layers link their pages, and their shapes are the feature maps the index pass really saw.
      const inspect = await fv(['inspect', defaultModel, '--json']);
      const layers = JSON.parse(inspect.stdout).layers as {
        name: string;
        opType: string;
        dims: (string | number)[];
      }[];
      const overview = html('index.html');
      const rows = all(
        overview,
        /<tr><td>(?:<a href="([^"]+)">)?([^<]+)(?:<\/a>)?<\/td><td>([^<]+)<\/td><td>(\[[^<]+\])<\/td><\/tr>/g,
      );
      expect(rows.map(([, name, op, shape]) => [name, op, shape])).toEqual(
        layers.map((l) => [l.name, l.opType, `[${l.dims.join(', ')}]`]),
      );
      expect(rows.length).toBeGreaterThan(20);
      for (const l of index.layers) {
        const row = rows.find(([, name]) => name === l.layer)!;
        expect(row[3]).toBe(`[batch, ${l.channels}, ${l.height}, ${l.width}]`);
        expect(existsSync(join(site, row[0]!))).toBe(true);
      }
      // Image pages by image id (their <title>).
      const imagePages = new Map(
        readdirSync(join(site, 'images'))
          .filter((f) => f.endsWith('.html'))
          .map((f) => [/<title>([^<]+)<\/title>/.exec(html(`images/${f}`))![1]!, `images/${f}`]),
      );
      expect([...imagePages.keys()].sort()).toEqual(index.images.map((i) => i.id).sort());
      for (const layer of index.layers) {
        const slug = layer.layer.replace('/', '-');
        const signed = layer.layer === 'block2/Add';
        // Layer page: one card per rendered unit, its visualization and crop strips (bottom ones on
        // the signed layer only), and the unit's mean and max over the dataset.
        const cards = all(
          html(`layers/${slug}.html`),
          /<a class="card" href="([^"]+)">([\s\S]*?)<\/a>/g,
        );
        expect(cards.map(([href]) => href)).toEqual(
          [0, 1].map((c) => `../units/${slug}/${c}.html`),
        );
        for (const [c, [, card]] of cards.entries()) {
          const unit = layer.units[c]!;
          expect(all(card!, /<img class="(\w+)" src="([^"]+)"/g)).toEqual([
            ['viz', `../units/${slug}/${c}/channel.png`],
            ['strip', `../units/${slug}/${c}/top-crops.png`],
            ...(signed ? [['strip', `../units/${slug}/${c}/bottom-crops.png`]] : []),
          ]);
          expect(card).toContain(`mean ${fmt3(unit.sum / unit.count)} · max ${fmt3(unit.max)}`);
        }
        for (const c of [0, 1]) {
          const unit = layer.units[c]!;
          const page = html(`units/${slug}/${c}.html`);
          expect(/<h1>([^<]+)<\/h1>/.exec(page)![1]).toBe(`${layer.layer} #${c}`);
          // Both visualizations, the statistics and one histogram bar per bin.
          expect(page).toContain(`src="../../units/${slug}/${c}/channel.png"`);
          expect(page).toContain(`src="../../units/${slug}/${c}/neuron.png"`);
          const stats = Object.fromEntries(
            all(page, /<tr><td>(\w+)<\/td><td class="num">([^<]+)<\/td><\/tr>/g),
          );
          expect(stats).toMatchObject({
            mean: fmt3(unit.sum / unit.count),
            min: fmt3(unit.min),
            max: fmt3(unit.max),
            values: String(unit.count),
          });
          expect(unit.count).toBe(index.images.length * layer.height * layer.width);
          expect(all(page, /<rect /g)).toHaveLength(unit.histogram.counts.length);
          // Strongest (and, signed, most negative) positions: the index's list in order, each
          // linking its image's page, its receptive field outlined at the crop's place.
          const framedList = (kind: 'top' | 'bottom') =>
            all(
              page,
              new RegExp(
                `<a class="framed ${kind}" href="\\.\\./\\.\\./([^"]+)"><img [^>]*><span class="rf" style="left:([\\d.]+)%;top:([\\d.]+)%;width:([\\d.]+)%;height:([\\d.]+)%"><\\/span><\\/a><figcaption class="caption">([^<]+)<`,
                'g',
              ),
            );
          const expected = (list: typeof unit.topPositions) =>
            list.map((e) => {
              const info = index.images.find((i) => i.id === e.image)!;
              const pct = (v: number, of: number) => ((100 * v) / of).toFixed(2);
              return [
                imagePages.get(e.image),
                pct(e.region.x, info.width),
                pct(e.region.y, info.height),
                pct(e.region.width, info.width),
                pct(e.region.height, info.height),
                `${e.image} · ${fmt3(e.value)} at (${e.y}, ${e.x})`,
              ];
            });
          expect(unit.topPositions).toHaveLength(3);
          expect(framedList('top')).toEqual(expected(unit.topPositions));
          expect(framedList('bottom')).toEqual(signed ? expected(unit.bottomPositions) : []);
          expect(section(page, 'Most negative positions') !== '').toBe(signed);
          // Highest mean activation: the index's top images in order.
          expect(
            all(section(page, 'Highest mean activation'), /caption">([^<]+)</g).flat(),
          ).toEqual(unit.top.map((e) => `${e.image} · ${fmt3(e.value)}`));
        }
      }
      // Image pages: the model's top-5 classes (as fv classify gives them), one semantic
      // dictionary per layer, and the units whose dataset lists hold the image.
      const classified = JSON.parse(
        (await fv(['classify', defaultModel, images, '--json'])).stdout,
      ) as {
        image: string;
        top: { index: number; label: string; probability: number }[];
      }[];
      expect(classified).toHaveLength(index.images.length);
      let listedUnits = 0;
      for (const r of classified) {
        const id = r.image.split('/').pop()!;
        const page = html(imagePages.get(id)!);
        expect(all(page, /<tr><td>([^<]+)<\/td><td class="num">([\d.]+)%<\/td><\/tr>/g)).toEqual(
          r.top.map((t) => [`${t.index} ${t.label}`, (100 * t.probability).toFixed(1)]),
        );
        expect(
          all(
            page,
            /<img class="dict" src="[^"]+" alt="semantic dictionary of [^"]+ at ([^"]+)">/g,
          ).flat(),
        ).toEqual(index.layers.map((l) => l.layer));
        for (const layer of index.layers) {
          const listed = all(
            section(page, layer.layer).split(
              '<h3>Units whose dataset examples include this image</h3>',
            )[1] ?? '',
            /caption">#(\d+)</g,
          ).flat();
          const holding = layer.units
            .filter(
              (u) =>
                u.topPositions.some((e) => e.image === id) || u.top.some((e) => e.image === id),
            )
            .map((u) => String(u.channel))
            .slice(0, 24);
          expect(listed).toEqual(holding);
          listedUnits += listed.length;
        }
      }
      // every image is in some unit's lists (each list holds 3 of the 6 images)
      expect(listedUnits).toBeGreaterThanOrEqual(index.images.length);
    },
    T,
  );

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
      // Two --shard jobs write into one shared folder (as on a shared file system); a third
      // indexes everything in one run.
      const [whole, shared] = [tempDir(), join(tempDir(), 'site')];
      const runs = await Promise.all([
        microscope(all, whole, ...LAYERS, ...FAST, '--index-only', '--json'),
        microscope(all, shared, ...LAYERS, ...FAST, '--shard', '0/2', '--json'),
        microscope(all, shared, ...LAYERS, ...FAST, '--shard', '1/2', '--json'),
      ]);
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expect(existsSync(join(shared, 'index.html'))).toBe(false);
      const parts = ['0-of-2', '1-of-2'].map((k) => join(shared, `data/index.${k}.json`));
      const ids = parts.map((p) =>
        (JSON.parse(readFileSync(p, 'utf8')) as DatasetIndex).images.map((i) => i.id),
      );
      expect(ids[0]!.filter((id) => ids[1]!.includes(id))).toEqual([]);
      expect([...ids[0]!, ...ids[1]!].sort()).toEqual(readdirSync(all).sort());
      const bad = await microscope(all, shared, ...LAYERS, '--shard', '2/2');
      expect(bad.stderr).toMatch(/--shard must be K\/N.*got '2\/2'/);
      const both = await microscope(all, shared, ...LAYERS, '--shard', '0/2', '--index', parts[0]!);
      expect(both.stderr).toMatch(/use one or the other/);
      const merged = join(tempDir(), 'site');
      const r = await microscope(
        all,
        merged,
        ...LAYERS,
        ...FAST,
        '--channels',
        '0',
        '--index',
        ...parts,
        '--json',
      );
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).work.imagesIndexed).toBe(0);
      const wholeIndex = readIndex(whole);
      const combined = readIndex(merged);
      expect(combined.images.map((i) => i.id).sort()).toEqual(
        wholeIndex.images.map((i) => i.id).sort(),
      );
      combined.layers.forEach((l, li) => {
        l.units.forEach((u, c) => {
          const w = wholeIndex.layers[li]!.units[c]!;
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

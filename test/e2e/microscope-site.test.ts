// The site `fv microscope` writes, opened from disk (file:// URLs, no server) in headless
// Chromium: overview → layer → unit → image by clicking, and on every page visited every picture
// decodes and every link points at a file of the site. The sites are built by the CLI with small
// settings (pictures' quality is not under test here): on the committed default model, and on
// MobileNetV2 from the shared models over the shared photos plus a picture made here.
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createImage, encodePng } from '@fv/viz';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeWithModels } from '../helpers/models.js';
import { brokenReferences, htmlFiles } from '../helpers/static-site.js';
import { type ChromiumSession, launchChromium, saveScreenshot } from './helpers/browser.js';
import { repoRoot } from './helpers/server.js';

const cli = join(repoRoot, 'packages/cli/dist/cli.js');
let site: string;
let chromium: ChromiumSession;

function run(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { cwd: repoRoot, env: { ...process.env, FV_NO_PROGRESS: '1' }, maxBuffer: 16 << 20 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

beforeAll(async () => {
  const work = mkdtempSync(join(tmpdir(), 'fv-microscope-e2e-'));
  const images = join(work, 'images');
  const samples = join(repoRoot, 'models/default/samples');
  mkdirSync(images);
  for (const f of readdirSync(samples).slice(0, 6)) copyFileSync(join(samples, f), join(images, f));
  site = join(work, 'site');
  await run([
    'microscope',
    join(repoRoot, 'models/default/shapes10.onnx'),
    '--images',
    images,
    '--layers',
    'conv2,block2/Add',
    '--channels',
    '0-2',
    '--viz-steps',
    '8',
    '--viz-size',
    '32',
    '--top-k',
    '4',
    '--out',
    site,
  ]);
  chromium = await launchChromium();
}, 240_000);

afterAll(async () => {
  await chromium?.close();
});

/**
 * Checks the page in the browser: every <img> (lazy ones made eager) decodes, no request failed,
 * no script error; and every link and picture it names is a file of the site.
 */
async function checkPage(page: Page, failed: string[], pictures = true): Promise<void> {
  await page.waitForLoadState('load');
  const images = await page.evaluate(async () => {
    const all = Array.from(document.querySelectorAll('img'));
    for (const img of all) img.loading = 'eager';
    await Promise.all(
      all.map((img) => (img.complete ? undefined : img.decode().catch(() => undefined))),
    );
    return all.map((img) => ({
      src: img.getAttribute('src'),
      ok: img.complete && img.naturalWidth > 0,
    }));
  });
  if (pictures) expect(images.length, page.url()).toBeGreaterThan(0);
  expect(
    images.filter((i) => !i.ok).map((i) => i.src),
    `broken pictures on ${page.url()}`,
  ).toEqual([]);
  const links = await page.evaluate(() =>
    Array.from(document.querySelectorAll('a[href]')).map((a) => (a as HTMLAnchorElement).href),
  );
  for (const href of links) {
    expect(href.startsWith('file://'), href).toBe(true);
    expect(existsSync(fileURLToPath(href.split('#')[0]!)), `link ${href} on ${page.url()}`).toBe(
      true,
    );
  }
  expect(failed, `failed requests on ${page.url()}`).toEqual([]);
}

/** One site to walk: which layer page and unit to open, and what they must show. */
interface Walk {
  readonly site: string;
  readonly title: string;
  readonly layer: string;
  /** Units rendered per layer. */
  readonly units: number;
  /** Dataset examples per list (top-k). */
  readonly topK: number;
  /** Whether the layer has a sign (most negative positions shown). */
  readonly signed: boolean;
  readonly layers: number;
  readonly screenshots?: string;
}

/** Overview → layer → unit 1 (or 0) → the unit's strongest image → back to the overview. */
async function walk(w: Walk): Promise<void> {
  const { page, errors } = await chromium.newPage();
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(`${r.url()} (${r.failure()?.errorText})`));
  const slug = w.layer.replaceAll('/', '-');
  const escaped = slug.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await page.goto(pathToFileURL(join(w.site, 'index.html')).href);
  expect(await page.title()).toBe(w.title);
  await checkPage(page, failed, false);

  await page.click(`a[href="layers/${slug}.html"]`);
  await page.waitForURL(new RegExp(`layers/${escaped}\\.html$`));
  await checkPage(page, failed);
  expect(await page.locator('a.card').count()).toBe(w.units);
  if (w.screenshots) await saveScreenshot(page, `${w.screenshots}-layer`);

  const unit = Math.min(1, w.units - 1);
  await page.click(`a.card >> nth=${unit}`);
  await page.waitForURL(new RegExp(`units/${escaped}/${unit}\\.html$`));
  await checkPage(page, failed);
  await expect.poll(() => page.locator('h1').textContent()).toBe(`${w.layer} #${unit}`);
  // strongest (and, on a signed layer, most negative) positions, each with its crop outlined
  expect(await page.locator('a.framed.top').count()).toBe(w.topK);
  expect(await page.locator('a.framed.bottom').count()).toBe(w.signed ? w.topK : 0);
  expect(await page.locator('a.framed.top span.rf').count()).toBe(w.topK);
  if (w.screenshots) await saveScreenshot(page, `${w.screenshots}-unit`);

  const target = await page.locator('a.framed.top >> nth=0').getAttribute('href');
  await page.click('a.framed.top >> nth=0');
  await page.waitForURL((url) => url.href.endsWith(target!.replace(/^\.\.\/\.\.\//, '')));
  await checkPage(page, failed);
  expect(await page.locator('img.dict').count()).toBe(w.layers);
  if (w.screenshots) await saveScreenshot(page, `${w.screenshots}-image`);

  // and back up through the breadcrumbs
  await page.click('nav a >> nth=0');
  await page.waitForURL(/index\.html$/);
  expect(errors).toEqual([]);
  await page.close();
}

describe('the microscope site from disk', () => {
  test('every page of the site references only files that exist', () => {
    const pages = htmlFiles(site);
    expect(pages.length).toBeGreaterThan(10);
    for (const page of pages) expect(brokenReferences(page, site), page).toEqual([]);
  });

  test('overview → layer → unit → image, with no broken picture or link on the way', async () => {
    await walk({
      site,
      title: 'shapes10.onnx',
      layer: 'block2/Add',
      units: 3,
      topK: 4,
      signed: true,
      layers: 2,
      screenshots: 'microscope',
    });
  });
});

describeWithModels('the microscope site of MobileNetV2 from disk', (models) => {
  const layers = [
    'MobilenetV2/expanded_conv_3/expand/Relu6',
    'MobilenetV2/expanded_conv_6/expand/Relu6',
  ];
  let mobilenetSite: string;

  beforeAll(async () => {
    // The shared photos plus one picture made here (discs on stripes), two layers, two units
    // each and few steps: the site's wiring on a real ImageNet model, not its pictures' quality.
    const work = mkdtempSync(join(tmpdir(), 'fv-microscope-e2e-mnv2-'));
    const images = join(work, 'images');
    mkdirSync(images);
    const photos = join(models, 'images');
    for (const f of readdirSync(photos)) copyFileSync(join(photos, f), join(images, f));
    const made = createImage(224, 224, '#f0e6d2');
    for (let y = 0; y < 224; y++) {
      for (let x = 0; x < 224; x++) {
        const disc = (x - 112) ** 2 + (y - 112) ** 2 < 60 ** 2;
        const stripe = Math.floor(x / 16) % 2 === 0;
        if (disc) made.data.set([220, 40, 40, 255], (y * 224 + x) * 4);
        else if (stripe) made.data.set([30, 60, 200, 255], (y * 224 + x) * 4);
      }
    }
    writeFileSync(join(images, 'made-disc-stripes.png'), encodePng(made));
    mobilenetSite = join(work, 'site');
    await run([
      'microscope',
      join(models, 'imagenet/mobilenet_v2_1.0_224.onnx'),
      '--preset',
      'tf-mobilenet',
      '--labels',
      join(models, 'imagenet/imagenet_labels_1001.txt'),
      '--images',
      images,
      '--layers',
      layers.join(','),
      '--channels',
      '0-1',
      '--viz-steps',
      '2',
      '--no-neuron',
      '--top-k',
      '3',
      '--crops',
      '2',
      '--out',
      mobilenetSite,
    ]);
  }, 300_000);

  test('every page references only files that exist; overview → layer → unit → image', async () => {
    for (const page of htmlFiles(mobilenetSite)) {
      expect(brokenReferences(page, mobilenetSite), page).toEqual([]);
    }
    await walk({
      site: mobilenetSite,
      title: 'mobilenet_v2_1.0_224.onnx',
      layer: layers[1]!,
      units: 2,
      topK: 3,
      signed: false,
      layers: 2,
    });
  });
});

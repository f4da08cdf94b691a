// The site `fv microscope` writes, opened from disk (file:// URLs, no server) in headless
// Chromium: overview → layer → unit → image by clicking, and on every page visited every picture
// decodes and every link points at a file of the site. The site is built by the CLI on the
// committed default model with small settings (pictures' quality is not under test here).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
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
  await import('node:fs/promises').then((fs) => fs.mkdir(images));
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

describe('the microscope site from disk', () => {
  test('every page of the site references only files that exist', () => {
    const pages = htmlFiles(site);
    expect(pages.length).toBeGreaterThan(10);
    for (const page of pages) expect(brokenReferences(page, site), page).toEqual([]);
  });

  test('overview → layer → unit → image, with no broken picture or link on the way', async () => {
    const { page, errors } = await chromium.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(`${r.url()} (${r.failure()?.errorText})`));
    await page.goto(pathToFileURL(join(site, 'index.html')).href);
    expect(await page.title()).toBe('shapes10.onnx');
    await checkPage(page, failed, false);

    await page.click('a[href="layers/block2-Add.html"]');
    await page.waitForURL(/layers\/block2-Add\.html$/);
    await checkPage(page, failed);
    expect(await page.locator('a.card').count()).toBe(3);
    await saveScreenshot(page, 'microscope-layer');

    await page.click('a.card >> nth=1');
    await page.waitForURL(/units\/block2-Add\/1\.html$/);
    await checkPage(page, failed);
    await expect.poll(() => page.locator('h1').textContent()).toBe('block2/Add #1');
    // a signed layer: strongest and most negative positions, each with its crop outlined
    expect(await page.locator('a.framed.top').count()).toBe(4);
    expect(await page.locator('a.framed.bottom').count()).toBe(4);
    await saveScreenshot(page, 'microscope-unit');

    const target = await page.locator('a.framed.top >> nth=0').getAttribute('href');
    await page.click('a.framed.top >> nth=0');
    await page.waitForURL((url) => url.href.endsWith(target!.replace(/^\.\.\/\.\.\//, '')));
    await checkPage(page, failed);
    expect(await page.locator('img.dict').count()).toBe(2);
    await saveScreenshot(page, 'microscope-image');

    // and back up through the breadcrumbs
    await page.click('nav a >> nth=0');
    await page.waitForURL(/index\.html$/);
    expect(errors).toEqual([]);
    await page.close();
  });
});

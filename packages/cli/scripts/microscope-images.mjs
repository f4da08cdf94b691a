// Regenerates docs/microscope.md's pictures (docs/images/microscope/) with the CLI itself:
// `fv microscope` on MobileNetV2 from the shared models over the shared photos plus the images
// `pnpm bench` generates (mirrored and cropped copies, synthetic shapes), then screenshots of the
// site's pages in headless Chromium (the site opened from disk) and a raw picture it wrote.
// Run after `pnpm build`:  node packages/cli/scripts/microscope-images.mjs  (about 20 min on 2 cores;
// FV_DOCS_WORK=DIR keeps the site in DIR, and a rerun there only redraws pages and pictures.)
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeImages } from '../../../bench/microscope.mjs';
import { modelsDir, repoRoot } from '../../../bench/util.mjs';

const shared = modelsDir();
if (!shared) throw new Error('the shared models folder is missing (set FV_MODELS_DIR)');
const docs = join(repoRoot, 'docs/images/microscope');
mkdirSync(docs, { recursive: true });
const keep = process.env.FV_DOCS_WORK;
const work = keep ?? mkdtempSync(join(tmpdir(), 'fv-microscope-docs-'));
const images = join(work, 'images');
const site = join(work, 'site');
if (!existsSync(images)) {
  mkdirSync(images, { recursive: true });
  const photos = readdirSync(join(shared, 'images'))
    .sort()
    .map((f) => join(shared, 'images', f));
  writeImages(photos, images, 224);
} else if (existsSync(join(site, 'images'))) {
  // Resuming: semantic-dictionary pictures are redrawn (the way they are drawn may have changed).
  for (const f of readdirSync(join(site, 'images'))) {
    if (/\.MobilenetV2-.*\.png$/.test(f)) rmSync(join(site, 'images', f));
  }
}
const layers = [
  'MobilenetV2/expanded_conv_3/expand/Relu6',
  'MobilenetV2/expanded_conv_6/expand/Relu6',
];
const args = [
  join(repoRoot, 'packages/cli/dist/cli.js'),
  'microscope',
  join(shared, 'imagenet/mobilenet_v2_1.0_224.onnx'),
  '--preset',
  'tf-mobilenet',
  '--labels',
  join(shared, 'imagenet/imagenet_labels_1001.txt'),
  '--images',
  images,
  '--layers',
  layers.join(','),
  '--channels',
  '0-5',
  '--out',
  site,
];
console.log(
  `$ fv ${args.slice(2).join(' ').replaceAll(shared, '$FV_MODELS_DIR').replaceAll(work, '…')}`,
);
console.log(
  execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
);

const browser = await chromium.launch({
  executablePath: process.env.FV_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
async function shot(path, file, height) {
  await page.goto(pathToFileURL(join(site, path)).href);
  await page.evaluate(async () => {
    const all = Array.from(document.querySelectorAll('img'));
    for (const img of all) img.loading = 'eager';
    await Promise.all(all.map((img) => img.decode().catch(() => undefined)));
  });
  await page.screenshot({
    path: join(docs, file),
    fullPage: true,
    clip: { x: 0, y: 0, width: 1000, height },
  });
  console.log(`docs/images/microscope/${file}`);
}
const slug = 'MobilenetV2-expanded_conv_6-expand-Relu6';
await shot(`layers/${slug}.html`, 'layer.png', 760);
await shot(`units/${slug}/3.html`, 'unit.png', 1300);
const chelsea = readdirSync(join(site, 'images')).find((f) =>
  /^chelsea-[0-9a-f]{6}\.html$/.test(f),
);
await shot(`images/${chelsea}`, 'image.png', 1300);
await browser.close();
// A raw picture the CLI wrote: a unit's strip of dataset crops.
copyFileSync(join(site, 'units', slug, '3', 'top-crops.png'), join(docs, 'top-crops.png'));
console.log(readFileSync(join(site, 'data/site.json'), 'utf8'));
if (!keep) rmSync(work, { recursive: true, force: true });

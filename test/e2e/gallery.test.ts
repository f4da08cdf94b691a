// The example gallery (examples/) in headless Chromium: built with its own build script, served
// with the model catalog on localhost. Every page loads without console errors; the saliency
// explorer computes the same map on WebGPU and on wasm; Deep Dream streams frames and stops;
// an invalid dropped file gives a readable error; the unit and class pages produce pictures.
// Screenshots land in test-results/e2e/gallery-*.png (gallery-saliency.png is the README's).
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildGallery } from '../../examples/scripts/build.mjs';
import { catalogRoutes } from '../../examples/scripts/catalog.mjs';
import { pages } from '../../examples/scripts/pages.mjs';
import {
  type ChromiumSession,
  launchChromium,
  type RecordedPage,
  saveConsole,
  saveScreenshot,
} from './helpers/browser.js';
import { type StaticServer, startStaticServer } from './helpers/server.js';

interface SaliencyPublished {
  backend: string;
  method: string;
  target: number;
  width: number;
  height: number;
  absolute: number[];
  ms: number;
}

let server: StaticServer;
let chromium: ChromiumSession;
let defaultModel = '';

beforeAll(async () => {
  const root = await buildGallery();
  const { index, files } = catalogRoutes();
  defaultModel = index.models[0]?.name ?? '';
  const virtual: Record<string, { body: Uint8Array | string }> = {
    '/models/index.json': { body: JSON.stringify(index) },
  };
  for (const [path, file] of Object.entries(files)) {
    // Only what the tests open: the default model, the fixture CNN and the photos.
    if (
      path.endsWith('.onnx') &&
      path !== `/${index.models[0]?.url}` &&
      !path.includes('small_cnn')
    ) {
      continue;
    }
    virtual[path] = { body: readFileSync(file) };
  }
  server = await startStaticServer({ root, files: virtual });
  chromium = await launchChromium();
});

afterEach(async () => {
  // A failed test leaves its page open (and maybe computing): close it so the next test has the CPU.
  for (const page of chromium?.context.pages() ?? []) await page.close().catch(() => undefined);
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

/** Console errors and uncaught exceptions of a page. */
function problems(recorded: RecordedPage): string[] {
  return [
    ...recorded.console.filter((line) => line.startsWith('error:')),
    ...recorded.errors.map((e) => `pageerror: ${e}`),
  ];
}

async function open(path: string, width = 1280, height = 800): Promise<RecordedPage> {
  const recorded = await chromium.newPage();
  await recorded.page.setViewportSize({ width, height });
  await recorded.page.goto(`${server.url}/${path}`);
  return recorded;
}

/** Waits for `<body data-state>` to be one of `states`; a page error explains a timeout. */
async function waitForState(recorded: RecordedPage, states: string[], timeout = 120_000) {
  try {
    await recorded.page.waitForFunction(
      (wanted) => wanted.includes(document.body.dataset.state ?? ''),
      states,
      { timeout, polling: 50 },
    );
  } catch (error) {
    const info = await recorded.page
      .evaluate(() => ({
        state: document.body.dataset.state,
        status: document.getElementById('status')?.textContent,
        error: document.getElementById('error')?.textContent,
      }))
      .catch(() => ({}));
    throw new Error(
      `page never reached ${states.join('|')}: ${String(error)}\n${JSON.stringify(info)}\n${problems(recorded).join('\n')}\n${recorded.console.slice(-15).join('\n')}`,
    );
  }
  const state = await recorded.page.evaluate(() => document.body.dataset.state);
  if (state === 'error') {
    const message = await recorded.page.locator('#error').textContent();
    throw new Error(`page shows an error: ${message}`);
  }
}

async function published<T>(recorded: RecordedPage, key: string, timeout = 120_000): Promise<T> {
  await recorded.page.waitForFunction(
    (k) =>
      (window as unknown as { fvGallery?: Record<string, unknown> }).fvGallery?.[k] !== undefined,
    key,
    { timeout, polling: 50 },
  );
  return (await recorded.page.evaluate(
    (k) => (window as unknown as { fvGallery: Record<string, unknown> }).fvGallery[k],
    key,
  )) as T;
}

async function finish(recorded: RecordedPage, name: string): Promise<void> {
  await saveScreenshot(recorded.page, name);
  await saveConsole(recorded, name);
  await recorded.page.close();
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

function relativeL2(a: readonly number[], b: readonly number[]): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return Math.sqrt(diff / norm);
}

describe('example gallery', () => {
  test('the overview page lists every example page', async () => {
    const recorded = await open('index.html');
    for (const page of pages) {
      await expect(recorded.page.locator(`main a[href="${page.id}.html"]`).count()).resolves.toBe(
        1,
      );
    }
    expect(problems(recorded)).toEqual([]);
    await finish(recorded, 'gallery-index');
  });

  test(`saliency explorer: the default model (default model) gives the same map on WebGPU and on wasm`, async () => {
    const recorded = await open('saliency.html?backend=webgpu');
    await waitForState(recorded, ['ready']);
    await expect(
      recorded.page.locator('#backend-badge').getAttribute('data-backend'),
    ).resolves.toBe('webgpu');
    await published<number[]>(recorded, 'top5');
    await recorded.page.click('#run');
    await waitForState(recorded, ['done']);
    const webgpu = await published<SaliencyPublished>(recorded, 'saliency');
    expect(webgpu.backend).toBe('webgpu');
    await expect(recorded.page.locator('#step-time').textContent()).resolves.toMatch(/ms/);
    await saveScreenshot(recorded.page, 'gallery-saliency-webgpu');

    // Switch backend in the page: the model reloads on wasm.
    await recorded.page.selectOption('#backend', 'wasm');
    await recorded.page.waitForSelector('#backend-badge[data-backend="wasm"]', {
      timeout: 120_000,
    });
    await waitForState(recorded, ['ready']);
    await recorded.page.click('#run');
    await waitForState(recorded, ['done']);
    const wasm = await published<SaliencyPublished>(recorded, 'saliency');
    expect(wasm.backend).toBe('wasm');
    expect(wasm.target).toBe(webgpu.target);
    expect(wasm.absolute.length).toBe(webgpu.width * webgpu.height);
    const similarity = cosine(webgpu.absolute, wasm.absolute);
    const error = relativeL2(webgpu.absolute, wasm.absolute);
    console.log(
      `gallery saliency (${defaultModel}, ${webgpu.method}): webgpu ${webgpu.ms.toFixed(0)} ms, wasm ${wasm.ms.toFixed(0)} ms, cosine ${similarity.toFixed(6)}, relative L2 ${error.toExponential(2)}`,
    );
    expect(similarity).toBeGreaterThan(0.999);
    expect(error).toBeLessThan(2e-2);
    // The README's picture: SmoothGrad (8 samples, progress per sample) on the same page.
    await recorded.page.selectOption('#method', 'smoothgrad');
    await recorded.page.click('#run');
    await waitForState(recorded, ['done']);
    await expect(published<SaliencyPublished>(recorded, 'saliency')).resolves.toMatchObject({
      method: 'smoothgrad',
    });
    expect(problems(recorded)).toEqual([]);
    await finish(recorded, 'gallery-saliency');
  });

  test('saliency explorer: a dropped file that is no image or model gives a readable error', async () => {
    const recorded = await open('saliency.html?backend=wasm');
    await waitForState(recorded, ['ready']);
    const drop = async (name: string, type: string) => {
      const transfer = await recorded.page.evaluateHandle(
        ([n, t]) => {
          const data = new DataTransfer();
          data.items.add(new File(['this is not a picture'], n!, { type: t! }));
          return data;
        },
        [name, type],
      );
      await recorded.page.dispatchEvent('main', 'drop', { dataTransfer: transfer });
      await recorded.page.waitForSelector('#error:not([hidden])', { timeout: 10_000 });
      return recorded.page.locator('#error').textContent();
    };
    await expect(drop('notes.txt', 'text/plain')).resolves.toMatch(/notes\.txt/);
    await expect(drop('broken.png', 'image/png')).resolves.toMatch(/broken\.png.*image/);
    await expect(recorded.page.locator('#error').getAttribute('role')).resolves.toBe('alert');
    // A dropped .onnx replaces the model: bytes that are no ONNX model give INVALID_MODEL.
    await recorded.page.evaluate(() => {
      document.getElementById('error')!.hidden = true;
    });
    await expect(drop('bad.onnx', '')).resolves.toMatch(/INVALID_MODEL/);
    await finish(recorded, 'gallery-saliency-error');
  });

  test('Deep Dream studio streams frames and the stop button stops it', async () => {
    const recorded = await open('dream.html?backend=wasm');
    await waitForState(recorded, ['ready']);
    await recorded.page.fill('#octaves', '1');
    await recorded.page.fill('#steps', '200');
    await recorded.page.click('#run');
    await recorded.page.waitForFunction(
      () =>
        Number(
          (window as unknown as { fvGallery?: { dreamFrames?: number } }).fvGallery?.dreamFrames ??
            0,
        ) >= 2,
      undefined,
      { timeout: 120_000, polling: 50 },
    );
    await recorded.page.click('#stop');
    await waitForState(recorded, ['stopped']);
    const frames = await published<number>(recorded, 'dreamFrames');
    expect(frames).toBeGreaterThanOrEqual(2);
    expect(frames).toBeLessThan(200);
    // Nothing is drawn after the stop, and the worker stops sending frames soon after.
    const frameCount = () =>
      recorded.page.evaluate(() => {
        const g = (window as unknown as { fvGallery: Record<string, number> }).fvGallery;
        return { drawn: g.dreamFrames ?? 0, received: g.dreamFramesReceived ?? 0 };
      });
    const atStop = await frameCount();
    await recorded.page.waitForTimeout(2000);
    const later = await frameCount();
    await recorded.page.waitForTimeout(1000);
    const latest = await frameCount();
    console.log(
      `gallery dream: ${frames} frames drawn before stop; frames still arriving after it: ${latest.received - atStop.received}`,
    );
    expect(later.drawn).toBe(frames);
    expect(latest.received).toBe(later.received);
    await expect(recorded.page.locator('#download-apng').isEnabled()).resolves.toBe(true);
    expect(problems(recorded)).toEqual([]);
    await finish(recorded, 'gallery-dream');
  });

  test('unit microscope fills a grid and class visualization forms an image', async () => {
    const microscope = await open('microscope.html?backend=wasm');
    await waitForState(microscope, ['ready']);
    await microscope.page.fill('#count', '2');
    await microscope.page.fill('#steps', '2');
    await microscope.page.fill('#size', '32');
    await microscope.page.click('#run');
    await waitForState(microscope, ['done']);
    await expect(published<number>(microscope, 'unitsDone')).resolves.toBe(2);
    // A unit, larger, with its centre-neuron variant.
    await microscope.page.click('#grid button >> nth=1');
    await microscope.page.waitForSelector('#detail:not([hidden])');
    await waitForState(microscope, ['done']);
    await expect(microscope.page.locator('#detail-caption').textContent()).resolves.toMatch(
      /channel 1/,
    );
    expect(problems(microscope)).toEqual([]);
    await finish(microscope, 'gallery-microscope');

    const classes = await open('class.html?backend=wasm');
    await waitForState(classes, ['ready']);
    await classes.page.fill('#steps', '3');
    await classes.page.click('#run');
    await waitForState(classes, ['done']);
    await expect(published<number>(classes, 'classSteps')).resolves.toBe(3);
    expect(problems(classes)).toEqual([]);
    await finish(classes, 'gallery-class');
  });

  test('pages are labelled and fit a narrow (mobile) width', async () => {
    for (const page of pages) {
      const recorded = await open(`${page.id}.html?backend=wasm`, 390, 844);
      await waitForState(recorded, ['ready']);
      const report = await recorded.page.evaluate(() => {
        const unlabelled = Array.from(document.querySelectorAll('input, select, button'))
          .filter((el) => {
            const control = el as HTMLInputElement;
            if (control.type === 'hidden') return false;
            return (
              (control.labels?.length ?? 0) === 0 &&
              !control.getAttribute('aria-label') &&
              !(control.textContent ?? '').trim()
            );
          })
          .map((el) => el.id || el.outerHTML.slice(0, 60));
        return { unlabelled, overflow: document.documentElement.scrollWidth - window.innerWidth };
      });
      expect(report.unlabelled, page.id).toEqual([]);
      expect(report.overflow, page.id).toBeLessThanOrEqual(1);
      // Keyboard: the main action is reachable with Tab.
      let reached = false;
      for (let i = 0; i < 60 && !reached; i++) {
        await recorded.page.keyboard.press('Tab');
        reached = await recorded.page.evaluate(() => document.activeElement?.id === 'run');
      }
      expect(reached, `${page.id}: #run reachable by Tab`).toBe(true);
      expect(problems(recorded)).toEqual([]);
      await finish(recorded, `gallery-${page.id}-narrow`);
    }
  });
});

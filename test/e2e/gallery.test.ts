// The example gallery (examples/) in headless Chromium: built with its own build script, served
// with the model catalog on localhost. Every page loads without console errors; the saliency
// explorer computes the same map on WebGPU and on wasm (the default model, and MobileNetV2 from
// the shared models folder when it exists); Deep Dream streams frames and stops;
// an invalid dropped file gives a readable error; the unit and class pages produce pictures; the
// default ViT, a model folder, gets the transformer methods (WebGPU and wasm), its hidden units in
// the unit microscope and Deep Dream, and loads as a chosen folder too.
// Screenshots land in test-results/e2e/gallery-*.png; gallery-saliency-mobilenet-v2.png (SmoothGrad
// on chelsea.png) is the README's docs/images/gallery.png, copied by hand when the pages change.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { receptiveField } from '@fv/autodiff';
import {
  datasetExamples,
  type ModelConfig,
  type PositionExample,
  semanticDictionary,
} from '@fv/core';
import { createEngine } from '@fv/runtime';
import { decodeImage } from '@fv/viz';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildGallery } from '../../examples/scripts/build.mjs';
import { catalogRoutes, repoRoot } from '../../examples/scripts/catalog.mjs';
import { pages } from '../../examples/scripts/pages.mjs';
import { describeWithModels } from '../helpers/models.js';
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
  /** The raw input gradient (∂score/∂input) the maps are reduced from. */
  gradient: number[];
  ms: number;
}

let server: StaticServer;
let chromium: ChromiumSession;
let defaultModel = '';
/** MobileNetV2 (224×224) from the shared models folder: its catalog id, when the catalog has it. */
const mobilenetV2Name = 'mobilenet_v2_1.0_224';
let mobilenetV2: string | undefined;
/** The default ViT (models/vit, a model folder): its catalog id. */
let vit = '';
/** The catalog's files: served path → file on disk. */
let catalogFiles: Record<string, string> = {};

beforeAll(async () => {
  const root = await buildGallery();
  const { index, files } = catalogRoutes();
  catalogFiles = files;
  defaultModel = index.models[0]?.name ?? '';
  const mobilenet = index.models.find((m) => m.name === mobilenetV2Name);
  mobilenetV2 = mobilenet?.id;
  const vitEntry = index.models.find((m) => m.url.endsWith('/') && m.name.includes('ViT'));
  vit = vitEntry?.id ?? '';
  const virtual: Record<string, { body: Uint8Array | string }> = {
    '/models/index.json': { body: JSON.stringify(index) },
  };
  for (const [path, file] of Object.entries(files)) {
    // Only what the tests open: the default model, MobileNetV2, the fixture CNN and the photos.
    if (
      path.endsWith('.onnx') &&
      path !== `/${index.models[0]?.url}` &&
      path !== `/${mobilenet?.url}` &&
      !path.startsWith(`/${vitEntry?.url}`) &&
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

/**
 * @fv/runtime's engine in Node (wasm, in a worker thread), the reference the pages must match:
 * the built worker (npm test builds before the e2e tests run; the sources have no worker.js).
 */
function nodeEngine(bytes: Uint8Array) {
  return createEngine({
    model: new Uint8Array(bytes),
    backend: 'wasm',
    worker: new URL('../../packages/runtime/dist/worker.js', import.meta.url),
  });
}

/**
 * Console errors and uncaught exceptions of a page. onnxruntime prints its warnings through
 * console.error too (`[W:onnxruntime:…]`, for example that it keeps a transformer's shape
 * arithmetic on the CPU under WebGPU): those are not errors.
 */
function problems(recorded: RecordedPage): string[] {
  return [
    ...recorded.console.filter(
      (line) => line.startsWith('error:') && !line.includes('[W:onnxruntime:'),
    ),
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

/** What {@link saliencyOnBothBackends} measured. */
interface BackendParity {
  readonly webgpu: SaliencyPublished;
  readonly wasm: SaliencyPublished;
  /** Cosine similarity of the two absolute maps. */
  readonly similarity: number;
  /** Relative L2 error of the WebGPU map against the wasm map. */
  readonly error: number;
  /** Relative L2 error of the WebGPU input gradient against the wasm one. */
  readonly gradientError: number;
}

/**
 * On an open saliency explorer (`?backend=webgpu`): waits for the model on WebGPU, computes the
 * page's default method (vanilla gradient), switches the page to wasm (the model reloads) and
 * computes it again. Checks that both backends ran, give the same top-5 classes and target, and
 * maps of the same size; returns both results and how close the maps are.
 */
async function saliencyOnBothBackends(
  recorded: RecordedPage,
  model: string,
  timeout = 120_000,
): Promise<BackendParity> {
  const run = async (backend: 'webgpu' | 'wasm') => {
    // 'ready' follows the backend badge; an 'error' state throws with the page's message.
    await waitForState(recorded, ['ready', 'error'], timeout);
    await expect(
      recorded.page.locator('#backend-badge').getAttribute('data-backend'),
    ).resolves.toBe(backend);
    const top5 = await published<number[]>(recorded, 'top5', timeout);
    const number = async (id: string) =>
      Number.parseFloat((await recorded.page.locator(id).textContent()) ?? '');
    // Load: session creation; forward: the first classification (WebGPU compiles its shaders).
    const loadMs = await number('#load-time');
    const forwardMs = await number('#step-time');
    await recorded.page.click('#run');
    await waitForState(recorded, ['done'], timeout);
    const result = await published<SaliencyPublished>(recorded, 'saliency');
    expect(result.backend).toBe(backend);
    return { top5, loadMs, forwardMs, result };
  };
  const webgpu = await run('webgpu');
  await expect(recorded.page.locator('#step-time').textContent()).resolves.toMatch(/ms/);
  await saveScreenshot(
    recorded.page,
    `gallery-saliency-webgpu${model === defaultModel ? '' : `-${model}`}`,
  );
  // Switch backend in the page: the model reloads on wasm and classifies the image again.
  await recorded.page.evaluate(() => {
    delete (window as unknown as { fvGallery: Record<string, unknown> }).fvGallery.top5;
  });
  await recorded.page.selectOption('#backend', 'wasm');
  const wasm = await run('wasm');
  expect(wasm.top5, 'top-5 classes on wasm (left) and WebGPU').toEqual(webgpu.top5);
  expect(wasm.result.target).toBe(webgpu.result.target);
  expect(wasm.result.method).toBe(webgpu.result.method);
  expect(wasm.result.absolute.length).toBe(webgpu.result.width * webgpu.result.height);
  const similarity = cosine(webgpu.result.absolute, wasm.result.absolute);
  const error = relativeL2(webgpu.result.absolute, wasm.result.absolute);
  const gradientError = relativeL2(webgpu.result.gradient, wasm.result.gradient);
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  console.log(
    `gallery saliency (${model}, ${webgpu.result.method}, top-5 ${webgpu.top5.join(' ')}): load webgpu ${ms(webgpu.loadMs)}, wasm ${ms(wasm.loadMs)}; forward webgpu ${ms(webgpu.forwardMs)}, wasm ${ms(wasm.forwardMs)}; map webgpu ${ms(webgpu.result.ms)}, wasm ${ms(wasm.result.ms)}; cosine ${similarity.toFixed(6)}, relative L2 ${error.toExponential(2)}; gradient relative L2 ${gradientError.toExponential(2)}`,
  );
  return { webgpu: webgpu.result, wasm: wasm.result, similarity, error, gradientError };
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

  test('the README shows the gallery (a screenshot of the saliency explorer from this file)', () => {
    expect(readFileSync(join(repoRoot, 'README.md'), 'utf8')).toContain(
      '(docs/images/gallery.png)',
    );
    const picture = readFileSync(join(repoRoot, 'docs', 'images', 'gallery.png'));
    expect(picture.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  test('saliency explorer: the default model gives the same top-5 and map on WebGPU and on wasm', async () => {
    const recorded = await open('saliency.html?backend=webgpu');
    const { webgpu, similarity, error } = await saliencyOnBothBackends(recorded, defaultModel);
    expect(similarity).toBeGreaterThan(0.999);
    expect(error).toBeLessThan(2e-2);
    expect(webgpu.method).toBe('vanilla');
    // SmoothGrad (8 samples, progress per sample) on the same page.
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

  test('compare methods: scores every method, recomputes when the image changes', async () => {
    const recorded = await open('compare.html?backend=wasm');
    // The page computes on its own once the model and the image are there.
    await waitForState(recorded, ['done'], 180_000);
    interface Compared {
      target: number;
      methods: { method: string; deletion: number; randomization: number[] }[];
    }
    const first = await published<Compared>(recorded, 'compare');
    const method = (c: Compared, name: string) => c.methods.find((m) => m.method === name)!;
    expect(first.methods.map((m) => m.method)).toEqual([
      'vanilla',
      'smoothgrad',
      'guided-backprop',
      'grad-cam',
      'random',
    ]);
    expect(method(first, 'smoothgrad').deletion).toBeLessThan(method(first, 'random').deletion);
    expect(method(first, 'random').randomization).toEqual([1, 1, 1]);
    expect(method(first, 'vanilla').randomization.at(-1)).toBeLessThan(0.9);
    await expect(recorded.page.locator('#score-body tr').count()).resolves.toBe(5);
    // Another photo: the comparison runs again, for its class.
    await recorded.page.evaluate(() => {
      delete (window as unknown as { fvGallery: Record<string, unknown> }).fvGallery.compare;
    });
    const options = await recorded.page.locator('#image option').allTextContents();
    const other = options.find((o) => o.includes('yellow-cross'))!;
    await recorded.page.selectOption('#image', { label: other });
    const second = await published<Compared>(recorded, 'compare', 180_000);
    expect(second.target).toBe(3);
    expect(second.target).not.toBe(first.target);
    expect(problems(recorded)).toEqual([]);
    await finish(recorded, 'gallery-compare');
  });

  test('Run is disabled while the model loads (clicking it does nothing); every page draws on the first click', async () => {
    // The small settings each page runs with, and what it publishes once it drew its picture.
    const first: Record<string, { fill: Record<string, string>; drawn: string }> = {
      saliency: { fill: {}, drawn: 'saliency' },
      dream: { fill: { '#octaves': '1', '#steps': '2' }, drawn: 'dreamFrames' },
      microscope: { fill: { '#count': '1', '#steps': '2', '#size': '32' }, drawn: 'unitsDone' },
      class: { fill: { '#steps': '2' }, drawn: 'classSteps' },
      // Computes on its own once the model and the image are there; Run computes again.
      compare: { fill: {}, drawn: 'compare' },
    };
    for (const page of pages) {
      const plan = first[page.id];
      expect(plan, `a first-click plan for page '${page.id}'`).toBeDefined();
      const recorded = await chromium.newPage();
      // Hold the engine's worker script (the model itself may come from Cache Storage), so that
      // the page is surely still loading when Run is clicked.
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let requested!: () => void;
      const workerRequested = new Promise<void>((resolve) => {
        requested = resolve;
      });
      await recorded.page.route('**/worker.js', async (route) => {
        requested();
        await held;
        await route.continue();
      });
      await recorded.page.goto(`${server.url}/${page.id}.html?backend=wasm`);
      await workerRequested;
      const during = await recorded.page.evaluate(() => ({
        state: document.body.dataset.state,
        disabled: (document.getElementById('run') as HTMLButtonElement).disabled,
      }));
      expect(during, page.id).toEqual({ state: 'loading', disabled: true });
      // A click like a visitor's (on the disabled button) and a submit by the keyboard.
      await recorded.page.click('#run', { force: true });
      await recorded.page.evaluate(() => document.getElementById('run')!.click());
      release();
      await waitForState(recorded, page.id === 'compare' ? ['ready', 'done'] : ['ready']);
      await expect(recorded.page.locator('#error').isHidden(), page.id).resolves.toBe(true);
      for (const [selector, value] of Object.entries(plan!.fill)) {
        await recorded.page.fill(selector, value);
      }
      await recorded.page.click('#run');
      await waitForState(recorded, ['done']);
      await expect(published(recorded, plan!.drawn), page.id).resolves.toBeTruthy();
      expect(problems(recorded), page.id).toEqual([]);
      await finish(recorded, `gallery-${page.id}-first-click`);
    }
  });

  test('the default ViT (a model folder): transformer methods on WebGPU and wasm, its hidden units in the microscope and Deep Dream', async () => {
    expect(vit, 'the catalog offers models/vit as a model folder').not.toBe('');
    const recorded = await open(`saliency.html?backend=webgpu&model=${encodeURIComponent(vit)}`);
    await waitForState(recorded, ['ready']);
    // A transformer: the explorer offers (and starts from) transformer attribution.
    await expect(recorded.page.locator('#method').inputValue()).resolves.toBe(
      'transformer-attribution',
    );
    await expect(
      recorded.page.locator('#method option[value="attention-rollout"]').isDisabled(),
    ).resolves.toBe(false);
    const { webgpu, similarity, error } = await saliencyOnBothBackends(recorded, 'vit');
    expect(webgpu.method).toBe('transformer-attribution');
    expect([webgpu.width, webgpu.height]).toEqual([64, 64]);
    expect(similarity).toBeGreaterThan(0.9999);
    expect(error).toBeLessThan(1e-3);
    await recorded.page.selectOption('#method', 'attention-rollout');
    await recorded.page.click('#run');
    await waitForState(recorded, ['done']);
    await expect(published<SaliencyPublished>(recorded, 'saliency')).resolves.toMatchObject({
      method: 'attention-rollout',
    });
    expect(problems(recorded)).toEqual([]);
    await finish(recorded, 'gallery-saliency-vit');
    // The CNN does not offer them.
    const cnn = await open('saliency.html?backend=wasm');
    await waitForState(cnn, ['ready']);
    await expect(
      cnn.page.locator('#method option[value="transformer-attribution"]').isDisabled(),
    ).resolves.toBe(true);
    await cnn.page.close();

    // Unit microscope: channels are the hidden units of a block (its MLP's GELU, 96 units).
    const microscope = await open(`microscope.html?backend=wasm&model=${encodeURIComponent(vit)}`);
    await waitForState(microscope, ['ready']);
    const layer = await microscope.page.locator('#layer').inputValue();
    expect(layer).toMatch(/^blocks\.\d+\/mlp\//);
    await microscope.page.fill('#count', '2');
    await microscope.page.fill('#steps', '2');
    await microscope.page.click('#run');
    await waitForState(microscope, ['done']);
    await expect(published<number>(microscope, 'unitsDone')).resolves.toBe(2);
    expect(problems(microscope)).toEqual([]);
    await finish(microscope, 'gallery-microscope-vit');

    const dream = await open(`dream.html?backend=wasm&model=${encodeURIComponent(vit)}`);
    await waitForState(dream, ['ready']);
    await dream.page.fill('#octaves', '1');
    await dream.page.fill('#steps', '2');
    await dream.page.click('#run');
    await waitForState(dream, ['done']);
    await expect(published<number>(dream, 'dreamFrames')).resolves.toBeGreaterThanOrEqual(1);
    expect(problems(dream)).toEqual([]);
    await finish(dream, 'gallery-dream-vit');
  });

  test('a model folder chosen by the visitor brings its own preprocessing and labels', async () => {
    const recorded = await open('saliency.html?backend=wasm');
    await waitForState(recorded, ['ready']);
    await recorded.page.setInputFiles('#model-folder', join(repoRoot, 'models', 'vit'));
    await recorded.page.waitForFunction(
      () => /vit ready/.test(document.getElementById('status')?.textContent ?? ''),
      undefined,
      { timeout: 120_000, polling: 50 },
    );
    await waitForState(recorded, ['ready']);
    const top5 = await published<number[]>(recorded, 'top5');
    // The sample picture is one of the ten shapes; its labels come from config.json.
    await expect(recorded.page.locator('#top5 li >> nth=0').textContent()).resolves.toMatch(
      /(disc|square|triangle|cross|ring|diamond|rings) \(\d\)/,
    );
    expect(top5).toHaveLength(5);
    // A folder without its preprocessor config: the error names the file.
    await recorded.page.evaluate(() => {
      const data = new DataTransfer();
      for (const name of ['model.onnx', 'config.json']) data.items.add(new File(['{}'], name));
      const input = document.getElementById('model-folder') as HTMLInputElement;
      Object.defineProperty(input, 'files', { value: data.files });
      input.dispatchEvent(new Event('change'));
    });
    await recorded.page.waitForSelector('#error:not([hidden])', { timeout: 10_000 });
    await expect(recorded.page.locator('#error').textContent()).resolves.toMatch(
      /INVALID_CONFIG: .*preprocessor_config\.json is missing/,
    );
    await finish(recorded, 'gallery-model-folder');
  });

  test('unit microscope: dataset examples of dropped images, computed in the worker, equal core in Node', async () => {
    const heldout = join(repoRoot, 'models/default/heldout');
    const files = readdirSync(heldout)
      .filter((f) => f.endsWith('.png') && !f.endsWith('.mask.png'))
      .sort()
      .slice(0, 12)
      .map((f) => join(heldout, f));
    const microscope = await open('microscope.html?backend=wasm');
    await waitForState(microscope, ['ready']);
    await microscope.page.selectOption('#layer', 'conv2');
    await microscope.page.fill('#count', '3');
    // Chosen through the file input, then replaced by the set dropped on the page.
    await microscope.page.setInputFiles('#dataset-files', files.slice(0, 2));
    await expect
      .poll(() => microscope.page.locator('#dataset-count').textContent())
      .toMatch(/^2 images/);
    const transfer = await microscope.page.evaluateHandle(
      (dropped) => {
        const data = new DataTransfer();
        for (const [name, base64] of dropped) {
          const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
          data.items.add(new File([bytes], name, { type: 'image/png' }));
        }
        return data;
      },
      files.map((f) => [basename(f), readFileSync(f).toString('base64')] as const),
    );
    await microscope.page.dispatchEvent('main', 'drop', { dataTransfer: transfer });
    await expect
      .poll(() => microscope.page.locator('#dataset-count').textContent())
      .toMatch(/^12 images/);
    await microscope.page.click('#examples');
    await waitForState(microscope, ['done']);
    const shown = await published<{
      layer: string;
      images: number;
      frames: number;
      receptiveField: unknown;
      units: { channel: number; topPositions: PositionExample[] }[];
    }>(microscope, 'datasetExamples');
    expect(shown).toMatchObject({ layer: 'conv2', images: 12 });
    // progress: a frame per batch streamed from the worker; the status names the finished pass
    expect(shown.frames).toBeGreaterThan(0);
    await expect(microscope.page.locator('#status').textContent()).resolves.toMatch(
      /Dataset examples of 3 units of conv2 over 12 images/,
    );
    await expect(microscope.page.locator('#grid canvas.crops').count()).resolves.toBe(3);
    // The same pass in Node, on @fv/runtime's engine there, over the same decoded pixels.
    const bytes = readFileSync(join(repoRoot, 'models/default/shapes10.onnx'));
    const config = JSON.parse(
      readFileSync(join(repoRoot, 'models/default/shapes10.fv.json'), 'utf8'),
    ) as ModelConfig;
    const field = receptiveField(bytes, 'conv2');
    expect(shown.receptiveField).toEqual(field);
    const engine = await nodeEngine(bytes);
    try {
      const index = await datasetExamples(
        engine,
        files.map((f) => ({ id: basename(f), image: decodeImage(readFileSync(f)) })),
        { layers: ['conv2'], receptiveFields: { conv2: field }, topK: 4 },
        config,
      );
      for (const unit of shown.units) {
        const node = index.layers[0]!.units[unit.channel]!.topPositions;
        expect(unit.topPositions.map((e) => [e.image, e.y, e.x, e.region])).toEqual(
          node.map((e) => [e.image, e.y, e.x, e.region]),
        );
        unit.topPositions.forEach((e, i) => {
          expect(e.value).toBeCloseTo(node[i]!.value, 4);
        });
      }
    } finally {
      await engine.dispose();
    }
    expect(problems(microscope)).toEqual([]);
    await finish(microscope, 'gallery-microscope-examples');
  });

  test("saliency explorer: the image's semantic dictionary names the units that carried the class", async () => {
    const recorded = await open('saliency.html?backend=wasm');
    await waitForState(recorded, ['ready']);
    await published<number[]>(recorded, 'top5');
    await recorded.page.selectOption('#dict-layer', 'conv3');
    await recorded.page.click('#dictionary');
    await waitForState(recorded, ['done']);
    const d = await published<{
      layer: string;
      target: number;
      height: number;
      width: number;
      units: number[];
      attribution: { channel: number; value: number }[];
      best: number[];
    }>(recorded, 'semanticDictionary');
    expect([d.layer, d.height, d.width]).toEqual(['conv3', 16, 16]);
    expect(d.best).toHaveLength(16 * 16);
    expect(d.units.length).toBeGreaterThan(0);
    await expect(published<number>(recorded, 'semanticDictionaryUnits')).resolves.toBe(
      d.units.length,
    );
    // Core in Node, on the same pixels, names the same units in the same order.
    const url = await recorded.page.locator('#image').inputValue();
    const photo = decodeImage(readFileSync(catalogFiles[`/${url}`]!));
    const bytes = readFileSync(join(repoRoot, 'models/default/shapes10.onnx'));
    const config = JSON.parse(
      readFileSync(join(repoRoot, 'models/default/shapes10.fv.json'), 'utf8'),
    ) as ModelConfig;
    const engine = await nodeEngine(bytes);
    try {
      const node = await semanticDictionary(
        engine,
        photo,
        { layer: 'conv3', target: d.target },
        config,
      );
      expect(d.attribution.map((c) => c.channel)).toEqual(
        node.channelAttribution!.slice(0, 10).map((c) => c.channel),
      );
    } finally {
      await engine.dispose();
    }
    expect(problems(recorded)).toEqual([]);
    await finish(recorded, 'gallery-saliency-dictionary');
  });

  test('pages are labelled and fit a narrow (mobile) width', async () => {
    for (const page of pages) {
      const recorded = await open(`${page.id}.html?backend=wasm`, 390, 844);
      // Compare methods starts computing as soon as its image is there.
      await waitForState(
        recorded,
        page.id === 'compare' ? ['ready', 'running', 'done'] : ['ready'],
      );
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

describeWithModels('example gallery on the shared models', (dir) => {
  // One real ImageNet network end to end in the page: MobileNetV2 (224×224, Relu6 and depthwise
  // convolutions) on chelsea.png. Its WebGPU compile on SwiftShader is the slow part.
  test('saliency explorer: MobileNetV2 gives the same top-5 and map on WebGPU and on wasm', async () => {
    expect(mobilenetV2, `the gallery catalog has no ${mobilenetV2Name} from ${dir}`).toBeDefined();
    const recorded = await open(
      `saliency.html?backend=webgpu&model=${encodeURIComponent(mobilenetV2 ?? '')}`,
    );
    const { webgpu, similarity, error, gradientError } = await saliencyOnBothBackends(
      recorded,
      mobilenetV2Name,
      240_000,
    );
    expect(webgpu.method).toBe('vanilla');
    // chelsea.png is an Egyptian cat (class 286 of the 1001 labels, as in the CLI's README).
    expect(webgpu.target).toBe(286);
    expect([webgpu.width, webgpu.height]).toEqual([224, 224]);
    // Float tolerance: the maps agree to cosine > 0.9999 and relative L2 < 1e-2 (measured: cosine
    // 1.000000, relative L2 9.1e-4; a Relu6 unit within rounding of a kink may switch).
    expect(similarity).toBeGreaterThan(0.9999);
    expect(error).toBeLessThan(1e-2);
    // This is also @fv/runtime's browser check on a real network (the page runs @fv/runtime's
    // engine in its module worker, bundled from source): the raw input gradients agree within
    // 2e-2 relative L2.
    expect(webgpu.gradient.length).toBe(3 * 224 * 224);
    expect(gradientError).toBeLessThan(2e-2);
    // The README's picture (docs/images/gallery.png): SmoothGrad (8 samples) on wasm.
    await recorded.page.selectOption('#method', 'smoothgrad');
    await recorded.page.click('#run');
    await waitForState(recorded, ['done']);
    const smooth = await published<SaliencyPublished>(recorded, 'saliency');
    expect(smooth).toMatchObject({ method: 'smoothgrad', target: 286, backend: 'wasm' });
    console.log(
      `gallery saliency (${mobilenetV2Name}, smoothgrad, wasm): ${smooth.ms.toFixed(0)} ms`,
    );
    expect(problems(recorded)).toEqual([]);
    await finish(recorded, 'gallery-saliency-mobilenet-v2');
  }, 480_000);
});

// @fv/runtime in headless Chromium: the built package (packages/runtime/dist, bundled with esbuild
// the way an app's bundler would, onnxruntime-web served from node_modules) creates engines on
// the native WebGPU provider and on wasm, runs forward and gradient in its module worker, and
// falls back to wasm when WebGPU is missing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium as playwright } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { maxRelative, seededInput, tinyCnnModel, tinyCnnReference } from '../helpers/tiny-cnn.js';
import {
  type ChromiumSession,
  chromiumArgs,
  chromiumPath,
  launchChromium,
  saveConsole,
  saveScreenshot,
  waitForPageResult,
} from './helpers/browser.js';
import { bundleRuntime, RUNTIME_URL } from './helpers/runtime-bundle.js';
import { type StaticServer, startStaticServer } from './helpers/server.js';

interface ScenarioResult {
  info: { backend: string; backendReason?: string; layers: number };
  progress: string[];
  ms: Record<string, number>;
  forward?: { logits: number[]; top5: number[] };
  gradient?: { value: number; dims: number[]; data: number[] };
  unknownTensor?: { name: string; code: string };
  smoothgrad?: { attribution: number[]; progress: number[] };
}
type Scenario = ScenarioResult | { error: { name: string; code: string; message: string } };
type PageResult = { error: string } | { scenarios: Record<string, Scenario> };

function ok(name: string, s: Scenario | undefined): ScenarioResult {
  if (!s) throw new Error(`scenario ${name} missing`);
  if ('error' in s) throw new Error(`scenario ${name} failed: ${JSON.stringify(s.error)}`);
  return s;
}

let server: StaticServer;
let chromium: ChromiumSession;

beforeAll(async () => {
  const tiny = tinyCnnModel();
  server = await startStaticServer({
    files: { ...(await bundleRuntime()), '/__fv/tiny-cnn.onnx': { body: tiny.bytes } },
  });
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

async function runPage(query: Record<string, string>, name: string, timeoutMs = 150_000) {
  const recorded = await chromium.newPage();
  const search = new URLSearchParams({ runtime: RUNTIME_URL, ...query });
  await recorded.page.goto(`${server.url}/test/fixtures/e2e/runtime.html?${search}`);
  let result: PageResult;
  try {
    result = await waitForPageResult<PageResult>(recorded, 'fvResult', timeoutMs);
  } catch (error) {
    const status = await recorded.page
      .locator('#report')
      .textContent()
      .catch(() => '?');
    throw new Error(
      `${(error as Error).message}\npage status: ${status}\nconsole:\n${recorded.console.join('\n')}`,
    );
  }
  await saveScreenshot(recorded.page, name);
  await saveConsole(recorded, name);
  await recorded.page.close();
  if ('error' in result) throw new Error(`page failed: ${result.error}`);
  expect(recorded.errors).toEqual([]);
  return result.scenarios;
}

describe('@fv/runtime in headless Chromium (tiny CNN)', () => {
  test('webgpu and wasm give the same logits and gradients; auto picks webgpu; no WebGPU falls back to wasm', async () => {
    const tiny = tinyCnnModel();
    const scenarios = await runPage(
      {
        model: '/__fv/tiny-cnn.onnx',
        input: 'image',
        output: 'logits',
        dims: tiny.inputShape.join(','),
        class: '2',
        backends: 'webgpu,wasm,auto,no-webgpu,no-webgpu-explicit,wasm-bad-paths',
        run: 'all',
      },
      'runtime-tiny',
    );
    const webgpu = ok('webgpu', scenarios.webgpu);
    const wasm = ok('wasm', scenarios.wasm);
    const auto = ok('auto', scenarios.auto);
    const noGpu = ok('no-webgpu', scenarios['no-webgpu']);
    expect(webgpu.info.backend).toBe('webgpu');
    expect(wasm.info.backend).toBe('wasm');
    expect(auto.info.backend).toBe('webgpu');
    expect(auto.info.backendReason).toMatch(/WebGPU/);
    expect(noGpu.info.backend).toBe('wasm');
    expect(noGpu.info.backendReason).toMatch(/navigator\.gpu is missing/);
    const explicit = scenarios['no-webgpu-explicit']!;
    expect('error' in explicit && explicit.error.code).toBe('BACKEND_UNAVAILABLE');
    // wasmPaths reaches onnxruntime-web: pointing it nowhere makes the wasm backend unavailable.
    const badPaths = scenarios['wasm-bad-paths']!;
    expect('error' in badPaths && badPaths.error.code).toBe('BACKEND_UNAVAILABLE');

    // The URL model was downloaded once, then came from Cache Storage.
    expect(webgpu.progress).toEqual(['download', 'compile', 'ready']);
    expect(wasm.progress).toEqual(['cache', 'compile', 'ready']);

    const reference = Array.from(tinyCnnReference(tiny, seededInput(tiny.input.length, 42)));
    for (const s of [webgpu, wasm, auto, noGpu]) {
      expect(maxRelative(s.forward!.logits, reference)).toBeLessThan(1e-4);
      expect(s.forward!.top5).toEqual(wasm.forward!.top5);
      expect(s.gradient!.dims).toEqual([...tiny.inputShape]);
      expect(maxRelative(s.gradient!.data, wasm.gradient!.data)).toBeLessThan(1e-4);
      expect(s.gradient!.value).toBeCloseTo(s.forward!.logits[2]!, 4);
      expect(s.unknownTensor).toEqual({ name: 'FvError', code: 'UNKNOWN_TENSOR' });
      expect(s.smoothgrad!.progress.at(-1)).toBe(4);
      expect(maxRelative(s.smoothgrad!.attribution, wasm.smoothgrad!.attribution)).toBeLessThan(
        1e-4,
      );
    }
    console.log(
      `fv-runtime e2e tiny CNN timings (ms): ${JSON.stringify({ webgpu: webgpu.ms, wasm: wasm.ms })}`,
    );
  });
});

describe('@fv/runtime in headless Chromium without --enable-unsafe-webgpu', () => {
  test("'auto' falls back to wasm and says why; 'webgpu' fails with BACKEND_UNAVAILABLE", async () => {
    const userDataDir = await mkdtemp(join(tmpdir(), 'fv-chromium-nogpu-'));
    const context = await playwright.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs.filter((a) => a !== '--enable-unsafe-webgpu'),
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const tiny = tinyCnnModel();
      const search = new URLSearchParams({
        runtime: RUNTIME_URL,
        model: '/__fv/tiny-cnn.onnx',
        input: 'image',
        output: 'logits',
        dims: tiny.inputShape.join(','),
        backends: 'auto,webgpu',
        run: 'all',
        repeat: '0',
      });
      await page.goto(`${server.url}/test/fixtures/e2e/runtime.html?${search}`);
      await page.waitForFunction(
        () => (window as unknown as { fvResult?: unknown }).fvResult !== undefined,
        null,
        {
          timeout: 120_000,
          polling: 50,
        },
      );
      const result = (await page.evaluate(
        () => (window as unknown as { fvResult?: unknown }).fvResult,
      )) as PageResult;
      await saveScreenshot(page, 'runtime-no-webgpu-flag');
      if ('error' in result) throw new Error(`page failed: ${result.error}`);
      expect(errors).toEqual([]);
      const auto = ok('auto', result.scenarios.auto);
      expect(auto.info.backend).toBe('wasm');
      expect(auto.info.backendReason).toMatch(/WebGPU unavailable/);
      const reference = Array.from(tinyCnnReference(tiny, seededInput(tiny.input.length, 42)));
      expect(maxRelative(auto.forward!.logits, reference)).toBeLessThan(1e-4);
      const explicit = result.scenarios.webgpu!;
      expect('error' in explicit && explicit.error.code).toBe('BACKEND_UNAVAILABLE');
    } finally {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    }
  });
});

// MobileNetV2 from the shared models on WebGPU and wasm (same top-5, input gradients within 2e-2
// relative L2) runs once, in the gallery's saliency explorer (test/e2e/gallery.test.ts), whose page
// drives this same runtime: compiling MobileNetV2 and its gradient on SwiftShader takes about a
// minute, too long to pay twice in the test command.

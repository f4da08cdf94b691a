// A consumer app built with Vite against the built @fv/runtime (packages/runtime/dist, as a
// published package would ship it): Vite must find the module worker
// (`new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`) and onnxruntime-web's
// wasm files on its own. The app then classifies an input in headless Chromium on wasm and on
// WebGPU ('auto'), and the logits match onnxruntime-web in Node.
import { realpathSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tinyCnnModel } from '../helpers/tiny-cnn.js';
import {
  type ChromiumSession,
  launchChromium,
  saveScreenshot,
  waitForPageResult,
} from './helpers/browser.js';
import { repoRoot, type StaticServer, startStaticServer } from './helpers/server.js';

interface Classified {
  backend: string;
  reason?: string;
  logits: number[];
  top: number;
}

/** Vite, as installed for vitest (no extra dependency). */
interface Vite {
  build(config: Record<string, unknown>): Promise<unknown>;
}

async function loadVite(): Promise<Vite> {
  const vitestDir = realpathSync(join(repoRoot, 'node_modules', 'vitest'));
  const require = createRequire(join(vitestDir, 'package.json'));
  const viteDir = dirname(require.resolve('vite/package.json'));
  return (await import(pathToFileURL(join(viteDir, 'dist', 'node', 'index.js')).href)) as Vite;
}

let outDir: string;
let server: StaticServer;
let chromium: ChromiumSession;
const tiny = tinyCnnModel();

beforeAll(async () => {
  const vite = await loadVite();
  outDir = await mkdtemp(join(tmpdir(), 'fv-consumer-'));
  await vite.build({
    root: join(repoRoot, 'test', 'fixtures', 'e2e', 'runtime-consumer'),
    configFile: false,
    logLevel: 'warn',
    base: './',
    resolve: {
      alias: { '@fv/runtime': join(repoRoot, 'packages', 'runtime', 'dist', 'index.js') },
    },
    // The runtime's worker uses top-level await and dynamic imports: an ES module worker.
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022' },
  });
  server = await startStaticServer({
    root: outDir,
    files: { '/model.onnx': { body: tiny.bytes } },
  });
  chromium = await launchChromium();
}, 170_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

test('a Vite build finds the worker and the wasm files and classifies on wasm and WebGPU', async () => {
  const emitted = await readdir(join(outDir, 'assets'));
  expect(emitted.some((f) => f.endsWith('.wasm'))).toBe(true);
  expect(emitted.some((f) => /worker/i.test(f))).toBe(true);

  const recorded = await chromium.newPage();
  await recorded.page.goto(`${server.url}/index.html?backends=wasm,auto`);
  const result = await waitForPageResult<{ error: string } | Record<string, Classified>>(
    recorded,
    'fvResult',
    150_000,
  );
  await saveScreenshot(recorded.page, 'runtime-consumer-vite');
  await recorded.page.close();
  if ('error' in result) throw new Error(`page failed: ${result.error}`);
  expect(recorded.errors).toEqual([]);

  const { wasm, auto } = result as Record<string, Classified>;
  expect(wasm!.backend).toBe('wasm');
  expect(auto!.backend).toBe('webgpu');

  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(tiny.bytes, { executionProviders: ['wasm'] });
  const data = Float32Array.from({ length: tiny.input.length }, (_, i) => Math.sin(i * 0.37));
  const out = await session.run({ image: new ort.Tensor('float32', data, [...tiny.inputShape]) });
  await session.release();
  const reference = Array.from(out.logits!.data as Float32Array);
  const scale = Math.max(...reference.map(Math.abs));
  for (const r of [wasm!, auto!]) {
    expect(r.top).toBe(reference.indexOf(Math.max(...reference)));
    r.logits.forEach((v, i) => {
      expect(Math.abs(v - reference[i]!)).toBeLessThan(1e-4 * scale);
    });
  }
}, 170_000);

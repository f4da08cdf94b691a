// fv as a downstream developer gets it. The library packages are packed with pnpm pack AND npm
// pack and installed with npm into throwaway apps: a Vite app made by create-vite (no config
// file), a webpack 5 app with create-webpack-app's generic config, and a Node ESM project. Each
// bundler app runs with onnxruntime-web at the lowest and at the highest version of the runtime's
// peer range (one app per bundler, onnxruntime-web swapped): `npm ls` and a second `npm install`
// succeed, the production build and the dev server show no warning from fv's code and no
// `onnxruntime-node`, and headless Chromium drives the page (test/fixtures/consumer/app) to the
// right top-1 class and a drawn SmoothGrad map on wasm and on WebGPU, in the package's worker and
// in the app's own worker file, while a worker that never answers fails with WORKER_TIMEOUT.
// The wasm-only entry and the CDN set-up (docs/app.md) are built and measured too. Bytes emitted
// per set-up and the seconds each step took go to test-results/e2e/consumer.json.
//
// Budget: the whole matrix takes 8-12 minutes on a busy 2-core machine, too much for every
// `npm test`. `npm test` runs the always-on part: both packers, the Vite app (no config file) with
// the lowest onnxruntime-web of the range (npm ls, second npm install, `vite build`, Chromium on
// wasm, WebGPU, the app's own worker, a silent worker, the wasm-only entry) and the Node project
// with the highest (classify and explain, nothing left running after dispose(), tsc under
// node16/bundler/node10 without the DOM). `pnpm run test:consumer` (FV_CONSUMER=full) adds the
// highest version in Vite, both versions in the webpack app, both dev servers, the CDN set-up,
// MobileNetV2 in the browser, the lowest version in Node and a Vite app installed with pnpm;
// docs/app.md records its results.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packPackages } from '../../scripts/release-check.mjs';
import { modelsDir } from '../helpers/models.js';
import { tinyCnnModel, tinyCnnReference } from '../helpers/tiny-cnn.js';
import {
  artifactsDir,
  type ChromiumSession,
  launchChromium,
  saveScreenshot,
  waitForPageResult,
} from './helpers/browser.js';
import {
  createNodeApp,
  createViteApp,
  createWebpackApp,
  type DevServer,
  type Emitted,
  emitted,
  exec,
  filesContaining,
  fixturesDir,
  freePort,
  installedVersion,
  pnpmInstall,
  startDevServer,
  switchOnnxruntimeWeb,
  type Tarball,
  toolVersions,
  versionsInRange,
  webpackProblems,
} from './helpers/consumer.js';
import {
  repoRoot,
  type StaticServer,
  startStaticServer,
  type VirtualFile,
} from './helpers/server.js';

const libraries = ['core', 'autodiff', 'runtime', 'viz'];
/** The whole matrix (`pnpm run test:consumer`), or the always-on part (`npm test`). */
const full = process.env.FV_CONSUMER === 'full';
if (!full) {
  console.log(
    'fv: consumer apps: the always-on part (Vite build, lowest onnxruntime-web; Node); `pnpm run test:consumer` runs the whole matrix',
  );
}
const peerRange: string = JSON.parse(
  readFileSync(join(repoRoot, 'packages', 'runtime', 'package.json'), 'utf8'),
).peerDependencies['onnxruntime-web'];

const tiny = tinyCnnModel();
const reference = Array.from(tinyCnnReference(tiny));
const referenceTop = reference.indexOf(Math.max(...reference));
const defaultModel = join(repoRoot, 'models', 'default');
const shared = modelsDir();

let work: string;
let versions: { lowest: string; highest: string };
let pnpmTarballs: readonly Tarball[];
let apps: { vite: string; webpack: string | undefined; node: string };
let data: StaticServer;
const report: {
  onnxruntimeWeb?: { range: string; lowest: string; highest: string };
  tools: typeof toolVersions;
  emitted: Record<string, Omit<Emitted, 'files'> & { files: string[] }>;
  seconds: Record<string, number>;
  lingeredMs: Record<string, number>;
  /** Warnings the builds printed that are not about fv's files (webpack's size hints). */
  buildProblems: Record<string, string[]>;
} = { tools: toolVersions, emitted: {}, seconds: {}, lingeredMs: {}, buildProblems: {} };

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    report.seconds[label] = Math.round((performance.now() - started) / 100) / 10;
  }
}

/** What the page reports per case (test/fixtures/consumer/app/main.js). */
interface CaseResult {
  readonly error?: { fv: boolean; code?: string; message: string };
  readonly backend?: string;
  readonly backendReason?: string;
  readonly logits?: number[];
  readonly top?: number;
  readonly label?: string;
  readonly probability?: number;
  readonly map?: number[];
  readonly colours?: number;
  readonly ms: number;
}

beforeAll(async () => {
  for (const dir of libraries) {
    const dist = join(repoRoot, 'packages', dir, 'dist', 'index.js');
    if (!(await readFile(dist).catch(() => undefined))) {
      throw new Error(`packages/${dir}/dist is not built: run \`pnpm build\` first`);
    }
  }
  work = await mkdtemp(join(tmpdir(), 'fv-consumer-'));
  await mkdir(join(work, 'pnpm'));
  await mkdir(join(work, 'npm'));
  const [pnpmPacks, npmPacks, range] = await timed('pack and resolve versions', () =>
    Promise.all([
      packPackages('pnpm', join(work, 'pnpm'), libraries),
      packPackages('npm', join(work, 'npm'), libraries),
      versionsInRange('onnxruntime-web', peerRange),
    ]),
  );
  versions = range;
  pnpmTarballs = pnpmPacks;
  report.onnxruntimeWeb = { range: peerRange, ...versions };
  // Each packer's tarballs are installed somewhere in either mode.
  const [vite, node, webpack] = await timed('create apps (npm install)', () =>
    Promise.all([
      createViteApp(
        work,
        npmPacks.map((p) => p.tarball),
        versions.lowest,
      ),
      createNodeApp(
        work,
        pnpmPacks.map((p) => p.tarball),
        versions.highest,
      ),
      full
        ? createWebpackApp(
            work,
            pnpmPacks.map((p) => p.tarball),
            versions.lowest,
          )
        : undefined,
    ]),
  );
  apps = { vite, webpack, node };

  const files: Record<string, VirtualFile> = {
    '/tiny.onnx': { body: tiny.bytes },
    '/tiny.bin': { body: new Uint8Array(tiny.input.buffer.slice(0)) },
    '/shapes10.onnx': { body: await readFile(join(defaultModel, 'shapes10.onnx')) },
    '/shapes10.fv.json': { body: await readFile(join(defaultModel, 'shapes10.fv.json')) },
    '/red-disc.png': { body: await readFile(join(defaultModel, 'samples', 'red-disc.png')) },
  };
  if (shared) {
    files['/mobilenet_v2.onnx'] = {
      body: await readFile(join(shared, 'imagenet', 'mobilenet_v2_1.0_224.onnx')),
    };
    files['/chelsea.png'] = { body: await readFile(join(shared, 'images', 'chelsea.png')) };
    const labels = (await readFile(join(shared, 'imagenet', 'imagenet_labels_1001.txt'), 'utf8'))
      .split(/\r?\n/)
      .map((l) => l.trim());
    files['/mobilenet_v2.fv.json'] = { body: JSON.stringify({ preset: 'tf-mobilenet', labels }) };
  } else {
    console.warn(
      'fv: the MobileNetV2 case of the consumer apps is skipped: shared models folder absent (FV_MODELS_DIR)',
    );
  }
  await mkdir(join(work, 'data'));
  data = await startStaticServer({ root: join(work, 'data'), files, cors: true });
}, 900_000);

afterAll(async () => {
  await data?.close();
  await mkdir(artifactsDir, { recursive: true });
  await writeFile(join(artifactsDir, 'consumer.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (work) await rm(work, { recursive: true, force: true });
});

/**
 * Opens the page in a fresh Chromium (no GPU-process state carried from one app to the next),
 * waits for its result, keeps a screenshot.
 */
async function drive(url: string, name: string): Promise<Record<string, CaseResult>> {
  const chromium: ChromiumSession = await launchChromium();
  const recorded = await chromium.newPage();
  try {
    await recorded.page.goto(url);
    const result = await waitForPageResult<{ error: string } | Record<string, CaseResult>>(
      recorded,
      'fvResult',
      240_000,
    );
    await saveScreenshot(recorded.page, `consumer-${name}`);
    if (typeof (result as { error?: unknown }).error === 'string') {
      throw new Error(`${name}: the page failed: ${(result as { error: string }).error}`);
    }
    expect(recorded.errors, `${name}: uncaught page errors`).toEqual([]);
    const overlay = await recorded.page.$('#webpack-dev-server-client-overlay');
    expect(overlay, `${name}: webpack-dev-server's "Compiled with problems" overlay`).toBeNull();
    return result as Record<string, CaseResult>;
  } finally {
    await chromium.close();
  }
}

const cosine = (a: readonly number[], b: readonly number[]) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((x, i) => {
    ab += x * b[i]!;
    aa += x * x;
    bb += b[i]! * b[i]!;
  });
  return ab / Math.sqrt(aa * bb);
};

/** A case that classified and drew: the expected backend, class and a map with content. */
function expectExplained(name: string, result: CaseResult | undefined, backend: string): void {
  expect(result?.error, `${name}: ${result?.error?.message}`).toBeUndefined();
  expect(result!.backend, `${name}: ${result!.backendReason}`).toBe(backend);
  expect(
    result!.map!.some((v) => v !== 0 && Number.isFinite(v)),
    `${name}: map`,
  ).toBe(true);
  expect(result!.map!.every(Number.isFinite), `${name}: map`).toBe(true);
  expect(result!.colours, `${name}: colours drawn on the canvas`).toBeGreaterThan(8);
}

/** The cases every build and dev server runs. */
const commonCases = 'wasm,webgpu,custom,silent,photo';

function expectCommonCases(name: string, results: Record<string, CaseResult>): void {
  const scale = Math.max(...reference.map(Math.abs));
  for (const [key, backend] of [
    ['wasm', 'wasm'],
    ['webgpu', 'webgpu'],
    ['custom', 'wasm'],
  ] as const) {
    const r = results[key];
    expectExplained(`${name} ${key}`, r, backend);
    // The tiny model's class and logits against its plain TypeScript forward pass.
    expect(r!.top, `${name} ${key}: top-1`).toBe(referenceTop);
    r!.logits!.forEach((v, i) => {
      expect(Math.abs(v - reference[i]!), `${name} ${key}: logit ${i}`).toBeLessThan(1e-4 * scale);
    });
  }
  // The same SmoothGrad map (same seed) on both backends.
  expect(cosine(results.wasm!.map!, results.webgpu!.map!)).toBeGreaterThan(0.999);
  expect(cosine(results.wasm!.map!, results.custom!.map!)).toBeGreaterThan(0.999999);
  const silent = results.silent!;
  expect(silent.error, `${name} silent: ${JSON.stringify(silent)}`).toMatchObject({
    fv: true,
    code: 'WORKER_TIMEOUT',
  });
  // It waited for its 2 s timeout (nothing else could fail it earlier).
  expect(silent.ms).toBeGreaterThanOrEqual(1900);
  expectExplained(`${name} photo`, results.photo, 'wasm');
  expect(results.photo!.label).toBe('red disc');
}

function expectMobilenet(name: string, results: Record<string, CaseResult>): void {
  const r = results.mobilenet;
  expectExplained(`${name} mobilenet`, r, 'wasm');
  // MobileNetV2 on chelsea.png with the tf-mobilenet preset: the CLI's Egyptian cat at 77.8 %.
  expect(r!.label).toBe('Egyptian cat');
  expect(r!.probability).toBeCloseTo(0.778, 2);
}

const pageUrl = (base: string, cases: string, extra = '') =>
  `${base}?data=${encodeURIComponent(`${data.url}/`)}&cases=${cases}${extra}`;

interface BuildResult {
  readonly dir: string;
  /** Warnings and errors the build reported, and those about fv's own files. */
  readonly problems: string[];
  readonly fvProblems: string[];
}

interface Bundler {
  readonly name: 'vite' | 'webpack';
  build(app: string, out: string): Promise<BuildResult>;
  dev(app: string): Promise<DevServer>;
  /** Problems a dev server printed. */
  devProblems(output: string): string[];
}

const mentionsFv = (text: string) => text.includes('@fv/');
const isPerformanceHint = (message: string) =>
  /^(asset|entrypoint) size limit:|^webpack performance recommendations:/.test(message);

const bundlers: readonly Bundler[] = [
  {
    name: 'vite',
    async build(app, out) {
      const { stdout, stderr } = await exec(
        process.execPath,
        ['node_modules/vite/bin/vite.js', 'build', '--outDir', out, '--emptyOutDir'],
        app,
      );
      const problems = `${stdout}\n${stderr}`
        .split('\n')
        .filter((line) => /warn|error|\(!\)|\[plugin /i.test(line));
      return {
        dir: join(app, out),
        problems,
        fvProblems: `${stdout}\n${stderr}`.split('\n').filter(mentionsFv),
      };
    },
    async dev(app) {
      const port = await freePort();
      return startDevServer(
        app,
        'node_modules/vite/bin/vite.js',
        ['--host', '127.0.0.1', '--port', String(port), '--strictPort', '--clearScreen', 'false'],
        /Local:\s+http:\/\/127\.0\.0\.1:\d+/,
        port,
      );
    },
    devProblems: (output) => output.split('\n').filter((line) => /warn|error|\(!\)/i.test(line)),
  },
  {
    name: 'webpack',
    async build(app, out) {
      const stats = join(app, `${out}.stats.json`);
      await exec(
        process.execPath,
        [
          'node_modules/webpack-cli/bin/cli.js',
          '--mode=production',
          '--config-node-env=production',
          '--output-path',
          out,
          '--json',
          stats,
        ],
        app,
      );
      const json = JSON.parse(await readFile(stats, 'utf8')) as {
        warnings: { moduleIdentifier?: string; moduleName?: string; message: string }[];
        errors: { moduleIdentifier?: string; moduleName?: string; message: string }[];
      };
      const all = [...json.errors, ...json.warnings].map(
        (w) => `${w.moduleName ?? w.moduleIdentifier ?? ''}: ${w.message.split('\n')[0]}`,
      );
      // webpack's performance hints (assets over 244 KiB) belong to no module: any app that ships
      // onnxruntime-web's 13-29 MB .wasm files gets them. They are reported, not counted as fv's.
      const fv = [...json.errors, ...json.warnings]
        .filter((w) => !isPerformanceHint(w.message))
        .filter((w) => mentionsFv(`${w.moduleIdentifier ?? ''} ${w.moduleName ?? ''} ${w.message}`))
        .map((w) => `${w.moduleName}: ${w.message}`);
      return { dir: join(app, out), problems: all, fvProblems: fv };
    },
    async dev(app) {
      const port = await freePort();
      return startDevServer(
        app,
        'node_modules/webpack-cli/bin/cli.js',
        ['serve', '--mode', 'development', '--host', '127.0.0.1', '--port', String(port)],
        /compiled (successfully|with)/,
        port,
      );
    },
    devProblems: webpackProblems,
  },
];

/** The one import of the runtime in the app's page and worker file: full or wasm-only. */
async function useEntry(app: string, entry: '@fv/runtime' | '@fv/runtime/wasm'): Promise<void> {
  const page = join(app, 'src', 'fv-runtime.js');
  const worker = join(app, 'src', 'fv-worker.js');
  const original = (file: string) => readFile(join(fixturesDir, 'app', file), 'utf8');
  await writeFile(page, (await original('fv-runtime.js')).replace("'@fv/runtime'", `'${entry}'`));
  await writeFile(
    worker,
    (await original('fv-worker.js')).replace(
      "import '@fv/runtime/worker'",
      `import '${entry === '@fv/runtime' ? '@fv/runtime/worker' : '@fv/runtime/wasm/worker'}'`,
    ),
  );
}

function record(setup: string, result: Emitted): void {
  report.emitted[setup] = {
    total: result.total,
    wasm: result.wasm,
    js: result.js,
    files: result.files.filter((f) => f.bytes > 1024).map((f) => `${f.path} ${f.bytes}`),
  };
}

const matrixBundlers = full ? bundlers : bundlers.filter((b) => b.name === 'vite');
const matrixVersions = full ? (['lowest', 'highest'] as const) : (['lowest'] as const);

describe.each(matrixBundlers)('$name app', (bundler) => {
  const app = () => apps[bundler.name]!;
  /** The onnxruntime-web the app has now (the wasm-only build runs after the version cases). */
  let installed: 'lowest' | 'highest' = 'lowest';

  describe.each(matrixVersions)('onnxruntime-web %s', (which) => {
    let built: BuildResult;

    test('npm install of that version, npm ls and a second npm install succeed', async () => {
      const version = versions[which];
      await timed(`${bundler.name} ${which}: npm install, ls, install`, () =>
        switchOnnxruntimeWeb(app(), version),
      );
      expect(await installedVersion(app(), 'onnxruntime-web')).toBe(version);
      installed = which;
    }, 300_000);

    test('the production build has no warning from fv and no onnxruntime-node', async () => {
      built = await timed(`${bundler.name} ${which}: build`, () =>
        bundler.build(app(), `dist-${which}`),
      );
      report.buildProblems[`${bundler.name} ${which}`] = built.problems;
      expect(built.fvProblems).toEqual([]);
      // The native backend (onnxruntime-node, Node only) never reaches a browser bundle.
      expect(await filesContaining(built.dir, 'onnxruntime-node')).toEqual([]);
      expect(await filesContaining(built.dir, 'onnxruntime_binding')).toEqual([]);
      const bytes = await emitted(built.dir);
      record(`${bundler.name} ${which} (both builds)`, bytes);
      // The default entry ships onnxruntime-web's wasm build and its WebGPU build.
      expect(bytes.files.filter((f) => f.path.endsWith('.wasm'))).toHaveLength(2);
    }, 300_000);

    test('the build classifies and draws on wasm and WebGPU, in its own worker too', async () => {
      const server = await startStaticServer({ root: built.dir });
      try {
        const cases = which === 'highest' && shared ? `${commonCases},mobilenet` : commonCases;
        const results = await timed(`${bundler.name} ${which}: build in Chromium`, () =>
          drive(pageUrl(`${server.url}/index.html`, cases), `${bundler.name}-${which}-build`),
        );
        expectCommonCases(`${bundler.name} ${which} build`, results);
        if (cases.includes('mobilenet')) expectMobilenet(`${bundler.name} ${which}`, results);
      } finally {
        await server.close();
      }
    }, 300_000);

    if (!full) return;
    test('the dev server serves the same app without warnings from fv', async () => {
      const server = await timed(`${bundler.name} ${which}: dev server start`, () =>
        bundler.dev(app()),
      );
      try {
        const results = await timed(`${bundler.name} ${which}: dev in Chromium`, () =>
          drive(pageUrl(`${server.url}/`, commonCases), `${bundler.name}-${which}-dev`),
        );
        expectCommonCases(`${bundler.name} ${which} dev`, results);
        const problems = bundler.devProblems(server.output());
        if (problems.length > 0) {
          console.log(`${bundler.name} ${which} dev server reported:\n${problems.join('\n')}`);
        }
        expect(problems.filter(mentionsFv)).toEqual([]);
      } finally {
        await server.stop();
      }
    }, 300_000);
  });

  test("the wasm-only entry (@fv/runtime/wasm) emits onnxruntime-web's wasm build only", async () => {
    await useEntry(app(), '@fv/runtime/wasm');
    try {
      const built = await timed(`${bundler.name}: wasm-only build`, () =>
        bundler.build(app(), 'dist-wasm-only'),
      );
      expect(built.fvProblems).toEqual([]);
      // No native backend at all in the wasm-only entry: not even the loader of dist/native.js.
      for (const needle of ['onnxruntime-node', 'onnxruntime_binding', 'native.js']) {
        expect(await filesContaining(built.dir, needle), needle).toEqual([]);
      }
      const bytes = await emitted(built.dir);
      record(`${bundler.name} ${installed} (wasm-only entry)`, bytes);
      const wasm = bytes.files.filter((f) => f.path.endsWith('.wasm'));
      expect(wasm).toHaveLength(1);
      expect(wasm[0]!.path).not.toMatch(/asyncify|jsep|jspi/);
      const server = await startStaticServer({ root: built.dir });
      try {
        const results = await drive(
          pageUrl(`${server.url}/index.html`, 'wasm,custom,photo,webgpu'),
          `${bundler.name}-wasm-only`,
        );
        expectExplained('wasm-only wasm', results.wasm, 'wasm');
        expectExplained('wasm-only custom', results.custom, 'wasm');
        expect(results.photo!.label).toBe('red disc');
        expect(results.webgpu!.error).toMatchObject({ fv: true, code: 'BACKEND_UNAVAILABLE' });
        expect(results.webgpu!.error!.message).toMatch(/wasm build only/);
      } finally {
        await server.close();
      }
    } finally {
      await useEntry(app(), '@fv/runtime');
    }
  }, 300_000);
});

describe.runIf(full)('Vite app, onnxruntime-web from a CDN (docs/app.md)', () => {
  test('no onnxruntime wasm file is emitted; the app loads them from wasmPaths', async () => {
    const app = apps.vite;
    await writeFile(
      join(app, 'vite.config.js'),
      await readFile(join(fixturesDir, 'vite-cdn.config.js'), 'utf8'),
    );
    // A "CDN" on another origin: onnxruntime-web's dist folder as npm installed it.
    const cdn = await startStaticServer({
      root: join(app, 'node_modules', 'onnxruntime-web', 'dist'),
      cors: true,
    });
    try {
      const built = await timed('vite: CDN build', () => bundlers[0]!.build(app, 'dist-cdn'));
      expect(built.fvProblems).toEqual([]);
      const bytes = await emitted(built.dir);
      record('vite highest (onnxruntime-web from a CDN)', bytes);
      expect(bytes.wasm).toBe(0);
      const server = await startStaticServer({ root: built.dir });
      try {
        const results = await drive(
          pageUrl(
            `${server.url}/index.html`,
            'wasm,webgpu,photo',
            `&wasmPaths=${encodeURIComponent(`${cdn.url}/`)}`,
          ),
          'vite-cdn',
        );
        expectExplained('cdn wasm', results.wasm, 'wasm');
        expectExplained('cdn webgpu', results.webgpu, 'webgpu');
        expect(results.photo!.label).toBe('red disc');
      } finally {
        await server.close();
      }
    } finally {
      await cdn.close();
      await rm(join(app, 'vite.config.js'));
    }
  }, 300_000);
});

describe.runIf(full)('Vite app installed with pnpm', () => {
  test('pnpm add, pnpm ls and a second pnpm install succeed; the build classifies and draws', async () => {
    const parent = join(work, 'pnpm-install');
    await mkdir(parent);
    const app = await timed('vite (pnpm): create, pnpm add, ls, install', () =>
      createViteApp(parent, [], versions.highest, (dir) =>
        pnpmInstall(dir, pnpmTarballs, versions.highest),
      ),
    );
    expect(await installedVersion(app, 'onnxruntime-web')).toBe(versions.highest);
    const built = await timed('vite (pnpm): build', () => bundlers[0]!.build(app, 'dist'));
    report.buildProblems['vite pnpm'] = built.problems;
    expect(built.fvProblems).toEqual([]);
    const server = await startStaticServer({ root: built.dir });
    try {
      const results = await timed('vite (pnpm): build in Chromium', () =>
        drive(pageUrl(`${server.url}/index.html`, commonCases), 'vite-pnpm-build'),
      );
      expectCommonCases('vite pnpm build', results);
    } finally {
      await server.close();
    }
  }, 600_000);
});

describe('Node ESM project', () => {
  interface Classified {
    readonly backend: string;
    readonly label: string;
    readonly probability: number;
    readonly mapAbsMax: number;
    readonly png: number;
    /** What kept the event loop alive right after `dispose()` (stdio pipes aside). */
    readonly resources: string[];
    /** Milliseconds between the end of `dispose()` and the process's `exit` event. */
    readonly lingeredMs: number;
  }

  async function classify(model: string, image: string, config: string): Promise<Classified> {
    const { stdout } = await exec(
      process.execPath,
      ['classify.mjs', model, image, config, 'map.png'],
      apps.node,
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number | string>);
    const result = lines.find((l) => 'disposedAt' in l);
    const exit = lines.find((l) => 'exit' in l);
    if (!result || !exit)
      throw new Error(`classify.mjs printed no result or exit line:\n${stdout}`);
    return {
      ...(result as unknown as Omit<Classified, 'lingeredMs'>),
      lingeredMs: (exit.exit as number) - (result.disposedAt as number),
    };
  }

  /**
   * After dispose() nothing of fv's keeps the process alive: no timer, worker or port is left
   * (the script ends by itself, without process.exit). The time from dispose() to `exit` is
   * recorded, not asserted: on Node 20 it is V8 finishing the background tier-up compilation of
   * onnxruntime's wasm module that the terminated worker started (0.2-4 s on a loaded 2-core
   * machine, 4 ms with `node --no-wasm-dynamic-tiering`; docs/app.md).
   */
  function expectNothingLeft(label: string, result: Classified): void {
    expect(result.resources, `${label}: alive after dispose()`).toEqual([]);
    report.lingeredMs[label] = Math.round(result.lingeredMs);
  }

  test('classifies and explains on wasm; nothing of fv keeps the process alive after dispose()', async () => {
    const photo = () =>
      classify(
        join(defaultModel, 'shapes10.onnx'),
        join(defaultModel, 'samples', 'red-disc.png'),
        join(defaultModel, 'shapes10.fv.json'),
      );
    for (const which of full ? (['highest', 'lowest'] as const) : (['highest'] as const)) {
      if (which === 'lowest') {
        await timed('node: switch to lowest', () =>
          switchOnnxruntimeWeb(apps.node, versions.lowest),
        );
      }
      const result = await timed(`node ${which}: classify`, photo);
      expect(result.backend).toBe('wasm');
      expect(result.label).toBe('red disc');
      expect(result.mapAbsMax).toBeGreaterThan(0);
      expect(result.png).toBeGreaterThan(100);
      expectNothingLeft(`node ${which}`, result);
    }
    if (shared) {
      await writeFile(
        join(apps.node, 'mobilenet.json'),
        JSON.stringify({
          preset: 'tf-mobilenet',
          labels: (await readFile(join(shared, 'imagenet', 'imagenet_labels_1001.txt'), 'utf8'))
            .split(/\r?\n/)
            .map((l) => l.trim()),
        }),
      );
      const result = await classify(
        join(shared, 'imagenet', 'mobilenet_v2_1.0_224.onnx'),
        join(shared, 'images', 'chelsea.png'),
        'mobilenet.json',
      );
      expect(result.label).toBe('Egyptian cat');
      expect(result.probability).toBeCloseTo(0.778, 2);
      expectNothingLeft('node mobilenet', result);
    }
  }, 300_000);

  test('the declarations type-check without the DOM (node16, bundler, node10) and with it', async () => {
    const tsc = ['node_modules/typescript/bin/tsc', '-p'];
    await timed('node: tsc ×4', async () => {
      for (const config of ['node16', 'bundler', 'node10', 'dom']) {
        const { code, stdout, stderr } = await exec(
          process.execPath,
          [...tsc, `tsconfig.${config}.json`],
          apps.node,
          { allowFailure: true },
        );
        expect(`${stdout}${stderr}`, `tsc -p tsconfig.${config}.json`).toBe('');
        expect(code).toBe(0);
      }
    });
  }, 300_000);
});

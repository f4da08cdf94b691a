// fv as a downstream developer gets it. The library packages are packed with pnpm pack AND npm
// pack and installed with npm into throwaway apps: Vite apps made by create-vite (no config file)
// and webpack 5 apps with create-webpack-app's generic config, each with onnxruntime-web at the
// lowest and at the highest version of the runtime's peer range, a Vite app installed with pnpm,
// and a Node ESM project. In every app `npm ls` and a second `npm install` succeed, the production
// build and the dev server show no warning from fv's code and no `onnxruntime-node`, and headless
// Chromium drives the page (test/fixtures/consumer/app) to the right top-1 class and a drawn
// SmoothGrad map on wasm and on WebGPU, in the package's worker and in the app's own worker file,
// while a worker that never answers fails with WORKER_TIMEOUT. The wasm-only entry and the CDN
// set-up (docs/app.md) are built and measured too. The Node project classifies and explains, ends
// within 1 s of dispose() and type-checks without the DOM. Bytes emitted per set-up and the seconds
// each step took go to test-results/e2e/consumer.json.
//
// The whole matrix runs in `npm test`. To keep it short, every app is installed at once in
// beforeAll (one npm cache), the production builds run one after another in the background as
// soon as their app is installed (while Chromium drives the pages already built), and one
// Chromium serves every page. Step times in the report overlap each other.
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
  npm,
  pnpmInstall,
  startDevServer,
  switchOnnxruntimeWeb,
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
const peerRange: string = JSON.parse(
  readFileSync(join(repoRoot, 'packages', 'runtime', 'package.json'), 'utf8'),
).peerDependencies['onnxruntime-web'];

const tiny = tinyCnnModel();
const reference = Array.from(tinyCnnReference(tiny));
const referenceTop = reference.indexOf(Math.max(...reference));
const defaultModel = join(repoRoot, 'models', 'default');
const shared = modelsDir();

type Which = 'lowest' | 'highest';
const whiches = ['lowest', 'highest'] as const;

/** An app being installed (`npm ls` and the second install included) and built, in beforeAll. */
interface Setup {
  readonly app: Promise<string>;
  readonly build: Promise<BuildResult>;
}

let work: string;
let versions: { lowest: string; highest: string };
let setups: Record<`${'vite' | 'webpack'} ${Which}` | 'vite pnpm', Setup>;
let nodeApp: Promise<string>;
let data: StaticServer;
let chromium: Promise<ChromiumSession> | undefined;
const report: {
  onnxruntimeWeb?: { range: string; lowest: string; highest: string };
  tools: typeof toolVersions;
  emitted: Record<string, Omit<Emitted, 'files'> & { files: string[] }>;
  seconds: Record<string, number>;
  /** Node: ms from the dispose() call to the end of the process, dispose() itself, the rest. */
  exitMs: Record<string, { total: number; dispose: number; exitEvent: number }>;
  /** Warnings the builds printed that are not about fv's files (webpack's size hints). */
  buildProblems: Record<string, string[]>;
} = { tools: toolVersions, emitted: {}, seconds: {}, exitMs: {}, buildProblems: {} };

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
  await mkdir(join(work, 'pnpm-pack'));
  await mkdir(join(work, 'npm-pack'));
  const [pnpmPacks, npmPacks, range] = await timed('pack and resolve versions', () =>
    Promise.all([
      packPackages('pnpm', join(work, 'pnpm-pack'), libraries),
      packPackages('npm', join(work, 'npm-pack'), libraries),
      versionsInRange('onnxruntime-web', peerRange),
    ]),
  );
  versions = range;
  report.onnxruntimeWeb = { range: peerRange, ...versions };
  // Every app at once (installs wait on the network and the disk); builds one at a time, each
  // as soon as its app is ready. Each packer's tarballs are installed somewhere.
  const npmTgz = npmPacks.map((p) => p.tarball);
  const pnpmTgz = pnpmPacks.map((p) => p.tarball);
  const builds = serially();
  const setup = (
    bundler: Bundler,
    label: string,
    create: (parent: string) => Promise<string>,
    verify: (app: string) => Promise<unknown>,
  ): Setup => {
    const app = timed(`${label}: create, install, ls, install`, async () => {
      const parent = join(work, label.replace(/\W+/g, '-'));
      await mkdir(parent);
      const dir = await create(parent);
      await verify(dir);
      return dir;
    });
    const build = app.then((dir) =>
      builds(() => timed(`${label}: build`, () => bundler.build(dir, 'dist'))),
    );
    // Failures are reported by the tests that await these, not as unhandled rejections.
    app.catch(() => undefined);
    build.catch(() => undefined);
    return { app, build };
  };
  const [vite, webpack] = bundlers;
  // Vite apps get npm's tarballs, webpack apps pnpm's.
  const npmApp = (bundler: Bundler, which: Which) =>
    setup(
      bundler,
      `${bundler.name} ${which}`,
      (parent) =>
        bundler === vite
          ? createViteApp(parent, npmTgz, versions[which])
          : createWebpackApp(parent, pnpmTgz, versions[which]),
      verifyNpmInstall,
    );
  setups = {
    'vite lowest': npmApp(vite!, 'lowest'),
    'vite highest': npmApp(vite!, 'highest'),
    'webpack lowest': npmApp(webpack!, 'lowest'),
    'webpack highest': npmApp(webpack!, 'highest'),
    'vite pnpm': setup(
      vite!,
      'vite pnpm',
      (parent) =>
        createViteApp(parent, [], versions.highest, (dir) =>
          pnpmInstall(dir, pnpmPacks, versions.highest),
        ),
      async () => undefined,
    ),
  };
  nodeApp = timed('node: create, install', async () => {
    await mkdir(join(work, 'node'));
    return createNodeApp(join(work, 'node'), pnpmTgz, versions.highest);
  });
  nodeApp.catch(() => undefined);

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
  await (await chromium?.catch(() => undefined))?.close();
  // Nothing keeps running in the work folder when it is deleted.
  await Promise.allSettled(Object.values(setups ?? {}).map((s) => s.build));
  await mkdir(artifactsDir, { recursive: true });
  await writeFile(join(artifactsDir, 'consumer.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs jobs one at a time, in the order they are queued. */
function serially(): <T>(job: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (job) => {
    const next = last.then(job, job);
    last = next.catch(() => undefined);
    return next;
  };
}

/** `npm ls` and a plain second `npm install` in an app. */
async function verifyNpmInstall(app: string): Promise<void> {
  await npm(['ls'], app);
  await npm(['install'], app);
}

/**
 * Opens the page in a new tab of the one Chromium (each app on its own origin), waits for its
 * result, keeps a screenshot.
 */
async function drive(url: string, name: string): Promise<Record<string, CaseResult>> {
  chromium ??= launchChromium();
  const recorded = await (await chromium).newPage();
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
    await recorded.page.close();
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

describe.each(bundlers)('$name app', (bundler) => {
  describe.each(whiches)('onnxruntime-web %s', (which) => {
    const key = `${bundler.name} ${which}` as const;
    let built: BuildResult;

    test('npm install of that version, npm ls and a second npm install succeed', async () => {
      const app = await setups[key].app;
      expect(await installedVersion(app, 'onnxruntime-web')).toBe(versions[which]);
    }, 600_000);

    test('the production build has no warning from fv and no onnxruntime-node', async () => {
      built = await setups[key].build;
      report.buildProblems[key] = built.problems;
      expect(built.fvProblems).toEqual([]);
      // The native backend (onnxruntime-node, Node only) never reaches a browser bundle.
      expect(await filesContaining(built.dir, 'onnxruntime-node')).toEqual([]);
      expect(await filesContaining(built.dir, 'onnxruntime_binding')).toEqual([]);
      const bytes = await emitted(built.dir);
      record(`${key} (both builds)`, bytes);
      // The default entry ships onnxruntime-web's wasm build and its WebGPU build.
      expect(bytes.files.filter((f) => f.path.endsWith('.wasm'))).toHaveLength(2);
    }, 600_000);

    test('the build classifies and draws on wasm and WebGPU, in its own worker too', async () => {
      const server = await startStaticServer({ root: built.dir });
      try {
        const cases = which === 'highest' && shared ? `${commonCases},mobilenet` : commonCases;
        const results = await timed(`${key}: build in Chromium`, () =>
          drive(pageUrl(`${server.url}/index.html`, cases), `${bundler.name}-${which}-build`),
        );
        expectCommonCases(`${key} build`, results);
        if (cases.includes('mobilenet')) expectMobilenet(key, results);
      } finally {
        await server.close();
      }
    }, 300_000);

    test('the dev server serves the same app without warnings from fv', async () => {
      const app = await setups[key].app;
      const server = await timed(`${key}: dev server start`, () => bundler.dev(app));
      try {
        const results = await timed(`${key}: dev in Chromium`, () =>
          drive(pageUrl(`${server.url}/`, commonCases), `${bundler.name}-${which}-dev`),
        );
        expectCommonCases(`${key} dev`, results);
        const problems = bundler.devProblems(server.output());
        if (problems.length > 0) {
          console.log(`${key} dev server reported:\n${problems.join('\n')}`);
        }
        expect(problems.filter(mentionsFv)).toEqual([]);
      } finally {
        await server.stop();
      }
    }, 300_000);
  });

  test("the wasm-only entry (@fv/runtime/wasm) emits onnxruntime-web's wasm build only", async () => {
    const setup = setups[`${bundler.name} highest`];
    const app = await setup.app;
    // The app's sources change below: its production build must be done.
    await setup.build.catch(() => undefined);
    await useEntry(app, '@fv/runtime/wasm');
    try {
      const built = await timed(`${bundler.name}: wasm-only build`, () =>
        bundler.build(app, 'dist-wasm-only'),
      );
      expect(built.fvProblems).toEqual([]);
      // No native backend at all in the wasm-only entry: not even the loader of dist/native.js.
      for (const needle of ['onnxruntime-node', 'onnxruntime_binding', 'native.js']) {
        expect(await filesContaining(built.dir, needle), needle).toEqual([]);
      }
      const bytes = await emitted(built.dir);
      record(`${bundler.name} highest (wasm-only entry)`, bytes);
      const wasm = bytes.files.filter((f) => f.path.endsWith('.wasm'));
      expect(wasm).toHaveLength(1);
      expect(wasm[0]!.path).not.toMatch(/asyncify|jsep|jspi/);
      const server = await startStaticServer({ root: built.dir });
      try {
        const results = await timed(`${bundler.name}: wasm-only in Chromium`, () =>
          drive(
            pageUrl(`${server.url}/index.html`, 'wasm,custom,photo,webgpu'),
            `${bundler.name}-wasm-only`,
          ),
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
      await useEntry(app, '@fv/runtime');
    }
  }, 600_000);
});

describe('Vite app, onnxruntime-web from a CDN (docs/app.md)', () => {
  test('no onnxruntime wasm file is emitted; the app loads them from wasmPaths', async () => {
    const app = await setups['vite highest'].app;
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
        const results = await timed('vite: CDN in Chromium', () =>
          drive(
            pageUrl(
              `${server.url}/index.html`,
              'wasm,webgpu,photo',
              `&wasmPaths=${encodeURIComponent(`${cdn.url}/`)}`,
            ),
            'vite-cdn',
          ),
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
  }, 600_000);
});

describe('Vite app installed with pnpm', () => {
  test('pnpm add, pnpm ls and a second pnpm install succeed; the build classifies and draws', async () => {
    const setup = setups['vite pnpm'];
    const app = await setup.app;
    expect(await installedVersion(app, 'onnxruntime-web')).toBe(versions.highest);
    const built = await setup.build;
    report.buildProblems['vite pnpm'] = built.problems;
    expect(built.fvProblems).toEqual([]);
    const server = await startStaticServer({ root: built.dir });
    try {
      const results = await timed('vite pnpm: build in Chromium', () =>
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
    /** Milliseconds from the `dispose()` call to the end of the process (seen by the parent). */
    readonly exitMs: number;
    /** Of which `dispose()` itself took, and the time from its end to the `exit` event. */
    readonly disposeMs: number;
    readonly exitEventMs: number;
  }

  async function classify(model: string, image: string, config: string): Promise<Classified> {
    const { stdout, endedAt } = await exec(
      process.execPath,
      ['classify.mjs', model, image, config, 'map.png'],
      await nodeApp,
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number | string>);
    const result = lines.find((l) => 'disposedAt' in l);
    const exit = lines.find((l) => 'exit' in l);
    if (!result || !exit)
      throw new Error(`classify.mjs printed no result or exit line:\n${stdout}`);
    const called = result.disposeCalledAt as number;
    return {
      ...(result as unknown as Omit<Classified, 'exitMs' | 'disposeMs' | 'exitEventMs'>),
      exitMs: endedAt - called,
      disposeMs: (result.disposedAt as number) - called,
      exitEventMs: (exit.exit as number) - (result.disposedAt as number),
    };
  }

  /**
   * After dispose() nothing of fv's keeps the process alive: no timer, worker or port is left
   * (the script ends by itself, without process.exit), and the process has ended within 1 s of
   * the dispose() call. (What can hold a Node process after its event loop is empty is V8
   * finishing a background wasm compile job; fv's gradient graphs avoid the operator whose
   * compile took seconds: docs/app.md, Node.)
   */
  function expectNothingLeft(label: string, result: Classified): void {
    expect(result.resources, `${label}: alive after dispose()`).toEqual([]);
    report.exitMs[label] = {
      total: Math.round(result.exitMs),
      dispose: Math.round(result.disposeMs),
      exitEvent: Math.round(result.exitEventMs),
    };
    expect(result.exitMs, `${label}: ms from dispose() to the end of the process`).toBeLessThan(
      1000,
    );
  }

  test('classifies and explains on wasm; the process ends within 1 s of dispose()', async () => {
    const photo = () =>
      classify(
        join(defaultModel, 'shapes10.onnx'),
        join(defaultModel, 'samples', 'red-disc.png'),
        join(defaultModel, 'shapes10.fv.json'),
      );
    for (const which of ['highest', 'lowest'] as const) {
      if (which === 'lowest') {
        await timed('node: switch to lowest', async () =>
          switchOnnxruntimeWeb(await nodeApp, versions.lowest),
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
        join(await nodeApp, 'mobilenet.json'),
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
          await nodeApp,
          { allowFailure: true },
        );
        expect(`${stdout}${stderr}`, `tsc -p tsconfig.${config}.json`).toBe('');
        expect(code).toBe(0);
      }
    });
  }, 300_000);
});

// Throwaway consumer apps for test/e2e/consumer.test.ts: a Vite app made by create-vite, a
// webpack 5 app with create-webpack-app's default config, and a Node ESM project, each installing
// the packed @fv tarballs and onnxruntime-web with npm; plus their builds, dev servers and the
// bytes they emit.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { repoRoot } from './server.js';

/**
 * Tool versions, pinned so that a run means the same thing every time: the starters' own
 * dependency ranges are replaced by these exact versions. `webpack-dev-server` 5 and
 * `webpack-cli` 6 are the newest that support Node 20.
 */
export const toolVersions = {
  createVite: '9.3.0',
  vite: '8.4.1',
  webpack: '5.113.0',
  webpackCli: '6.0.1',
  webpackDevServer: '5.2.7',
  htmlWebpackPlugin: '5.6.8',
  typescript: '5.9.3',
  typesNode: '20.19.43',
} as const;

export const fixturesDir = join(repoRoot, 'test', 'fixtures', 'consumer');

export interface Output {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** When the process ended (`Date.now()` at its `exit` event, seen from this process). */
  readonly endedAt: number;
}

/** Environment for the tools: no colours, no update checks, no prompts. */
const toolEnv = {
  ...process.env,
  NO_COLOR: '1',
  FORCE_COLOR: '0',
  CI: 'true',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  BROWSERSLIST_IGNORE_OLD_DATA: '1',
};

/** Runs a command to completion; rejects with its output when it fails (unless `allowFailure`). */
export function exec(
  command: string,
  args: readonly string[],
  cwd: string,
  options: { allowFailure?: boolean; timeoutMs?: number } = {},
): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: toolEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    let endedAt = Number.NaN;
    child.on('exit', () => {
      endedAt = Date.now();
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const output = { code: code ?? -1, stdout, stderr, endedAt };
      if (code === 0 || options.allowFailure) resolve(output);
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} failed in ${cwd} (${signal ?? `exit ${code}`}):\n${stdout}\n${stderr}`,
          ),
        );
    });
  });
}

/** `npm` in `cwd`. */
export const npm = (args: readonly string[], cwd: string, timeoutMs?: number) =>
  exec('npm', args, cwd, timeoutMs === undefined ? {} : { timeoutMs });

/**
 * The lowest and the highest published onnxruntime-web versions within `range` (the runtime's
 * peer range), read from the registry: the highest is whatever a fresh `npm install` gets today.
 */
export async function versionsInRange(
  name: string,
  range: string,
): Promise<{ lowest: string; highest: string }> {
  const { stdout } = await npm(['view', `${name}@${range}`, 'version', '--json'], repoRoot);
  const parsed = JSON.parse(stdout) as string | string[];
  const versions = (Array.isArray(parsed) ? parsed : [parsed]).filter((v) => !v.includes('-'));
  if (versions.length === 0) throw new Error(`no published ${name} matches ${range}`);
  const key = (v: string) => v.split('.').map(Number);
  versions.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return 0;
  });
  return { lowest: versions[0]!, highest: versions[versions.length - 1]! };
}

async function editJson(file: string, edit: (json: Record<string, unknown>) => void) {
  const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(json);
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
}

/** Copies the app's page (test/fixtures/consumer/app) into `src/`, the entry named `entry`. */
async function copyPage(app: string, entry: string): Promise<void> {
  const from = join(fixturesDir, 'app');
  await mkdir(join(app, 'src'), { recursive: true });
  for (const file of await readdir(from)) {
    await cp(join(from, file), join(app, 'src', file === 'main.js' ? entry : file));
  }
}

const starters = new Map<string, Promise<string>>();

/**
 * `npm create vite@… vite-app -- --template vanilla`, run once into `parent/create-vite` and
 * copied into every Vite app below `parent`: concurrent `npm create` calls race in npm's npx cache.
 */
function viteStarter(parent: string): Promise<string> {
  let starter = starters.get(parent);
  starter ??= (async () => {
    const folder = join(parent, 'create-vite');
    await mkdir(folder);
    await exec(
      'npm',
      [
        'create',
        '--yes',
        `vite@${toolVersions.createVite}`,
        'vite-app',
        '--',
        '--template',
        'vanilla',
        '--no-interactive',
      ],
      folder,
    );
    return join(folder, 'vite-app');
  })();
  starters.set(parent, starter);
  return starter;
}

/**
 * A Vite app as `npm create vite@… APP -- --template vanilla` makes it (no config file; made once
 * beside `parent` and copied), its
 * starter page replaced by ours, then `npm install`ing the tarballs and onnxruntime-web (or
 * whatever `install` does in the app's folder).
 */
export async function createViteApp(
  parent: string,
  tarballs: readonly string[],
  onnxruntimeWeb: string,
  install: (app: string) => Promise<unknown> = (app) =>
    npm(['install', ...tarballs, `onnxruntime-web@${onnxruntimeWeb}`], app),
): Promise<string> {
  const app = join(parent, 'vite-app');
  await cp(await viteStarter(dirname(parent)), app, { recursive: true });
  for (const starter of ['main.js', 'counter.js', 'style.css', 'assets']) {
    await rm(join(app, 'src', starter), { recursive: true, force: true });
  }
  await copyPage(app, 'main.js');
  await editJson(join(app, 'package.json'), (json) => {
    json.devDependencies = { vite: toolVersions.vite };
  });
  await install(app);
  return app;
}

/** A packed package (scripts/release-check.mjs's `packPackages`). */
export interface Tarball {
  readonly name: string;
  readonly tarball: string;
}

/**
 * Installs the tarballs and onnxruntime-web into `app` with pnpm, then `pnpm ls` and a plain
 * second `pnpm install`. Unpublished tarballs name each other by version (`"@fv/core": "0.1.0"`),
 * which pnpm looks up in the registry (npm takes the tarball given next to it): `overrides` point
 * those names at the tarballs; published packages need none of that. pnpm 10+ stops while a
 * dependency's build script is neither approved nor denied: onnxruntime-web's protobufjs has one
 * that nothing needs (fv's own workspace denies it the same way).
 */
export async function pnpmInstall(
  app: string,
  packs: readonly Tarball[],
  onnxruntimeWeb: string,
): Promise<Output[]> {
  const overrides = packs.map((p) => `  '${p.name}': 'file:${p.tarball}'`).join('\n');
  await writeFile(
    join(app, 'pnpm-workspace.yaml'),
    `overrides:\n${overrides}\nallowBuilds:\n  protobufjs: false\n`,
  );
  const add = await exec(
    'pnpm',
    ['add', ...packs.map((p) => p.tarball), `onnxruntime-web@${onnxruntimeWeb}`],
    app,
  );
  const ls = await exec('pnpm', ['ls'], app);
  const again = await exec('pnpm', ['install'], app);
  return [add, ls, again];
}

/**
 * A webpack 5 app: create-webpack-app 2.1.0's default `webpack.config.js` and `index.html`
 * (test/fixtures/consumer/webpack, without its Workbox service worker), its tools pinned.
 */
export async function createWebpackApp(
  parent: string,
  tarballs: readonly string[],
  onnxruntimeWeb: string,
): Promise<string> {
  const app = join(parent, 'webpack-app');
  await mkdir(app, { recursive: true });
  await cp(join(fixturesDir, 'webpack'), app, { recursive: true });
  await copyPage(app, 'index.js');
  await writeFile(
    join(app, 'package.json'),
    `${JSON.stringify(
      {
        name: 'webpack-app',
        version: '1.0.0',
        private: true,
        type: 'module',
        scripts: {
          build: 'webpack --mode=production --config-node-env=production',
          serve: 'webpack serve',
        },
        devDependencies: {
          'html-webpack-plugin': toolVersions.htmlWebpackPlugin,
          webpack: toolVersions.webpack,
          'webpack-cli': toolVersions.webpackCli,
          'webpack-dev-server': toolVersions.webpackDevServer,
        },
      },
      null,
      2,
    )}\n`,
  );
  await npm(['install', ...tarballs, `onnxruntime-web@${onnxruntimeWeb}`], app);
  return app;
}

/** A Node ESM project (`"type": "module"`) with TypeScript and Node's types. */
export async function createNodeApp(
  parent: string,
  tarballs: readonly string[],
  onnxruntimeWeb: string,
): Promise<string> {
  const app = join(parent, 'node-app');
  await mkdir(app, { recursive: true });
  await cp(join(fixturesDir, 'node'), app, { recursive: true });
  await writeFile(
    join(app, 'package.json'),
    `${JSON.stringify(
      {
        name: 'node-app',
        version: '1.0.0',
        private: true,
        type: 'module',
        devDependencies: {
          '@types/node': toolVersions.typesNode,
          typescript: toolVersions.typescript,
        },
      },
      null,
      2,
    )}\n`,
  );
  await npm(['install', ...tarballs, `onnxruntime-web@${onnxruntimeWeb}`], app);
  return app;
}

/** Installs another onnxruntime-web into an app, then `npm ls` and a plain second `npm install`. */
export async function switchOnnxruntimeWeb(app: string, version: string): Promise<Output[]> {
  const install = await npm(['install', `onnxruntime-web@${version}`], app);
  const ls = await npm(['ls'], app);
  const again = await npm(['install'], app);
  return [install, ls, again];
}

/** The installed version of a package in an app. */
export async function installedVersion(app: string, name: string): Promise<string> {
  const json = JSON.parse(await readFile(join(app, 'node_modules', name, 'package.json'), 'utf8'));
  return json.version as string;
}

export interface Emitted {
  /** Every emitted file (relative path, bytes), largest first. */
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
  readonly total: number;
  readonly wasm: number;
  readonly js: number;
}

/** What a build wrote into `dir`. */
export async function emitted(dir: string): Promise<Emitted> {
  const files: { path: string; bytes: number }[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.push({ path: relative(dir, path), bytes: (await stat(path)).size });
    }
  };
  await walk(dir);
  files.sort((a, b) => b.bytes - a.bytes);
  const sum = (test: (path: string) => boolean) =>
    files.filter((f) => test(f.path)).reduce((a, f) => a + f.bytes, 0);
  return {
    files,
    total: sum(() => true),
    wasm: sum((p) => p.endsWith('.wasm')),
    js: sum((p) => /\.m?js$/.test(p)),
  };
}

/** Files under `dir` whose text contains `needle`. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if ((await readFile(path)).includes(needle)) hits.push(relative(dir, path));
    }
  };
  await walk(dir);
  return hits;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface DevServer {
  readonly url: string;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a dev server (`node <bin> …args`) and resolves once its output matches `ready`;
 * rejects with the output when it exits or takes longer than `timeoutMs`.
 */
export async function startDevServer(
  app: string,
  bin: string,
  args: readonly string[],
  ready: RegExp,
  port: number,
  timeoutMs = 120_000,
): Promise<DevServer> {
  const child: ChildProcess = spawn(process.execPath, [join(app, bin), ...args], {
    cwd: app,
    env: toolEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  let exited = false;
  const closed = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    exited = true;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`dev server not ready in ${timeoutMs} ms:\n${text}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (ready.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dev server exited (${code}) before it was ready:\n${text}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => text,
    async stop() {
      if (exited || child.pid === undefined) return;
      process.kill(-child.pid, 'SIGTERM');
      const killer = setTimeout(() => {
        if (!exited && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      }, 5_000);
      await closed;
      clearTimeout(killer);
    },
  };
}

/** The `WARNING in …` / `ERROR in …` blocks of webpack's console output. */
export function webpackProblems(output: string): string[] {
  return output
    .split(/\n(?=(?:WARNING|ERROR) in )/)
    .filter((block) => /^(WARNING|ERROR) in /.test(block))
    .map((block) => block.split(/\n\s*\n/)[0]!.trim());
}

/** True when the folder exists (a build's output). */
export const exists = (path: string) => existsSync(path);

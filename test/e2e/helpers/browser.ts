import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { repoRoot } from './server.js';

/** Debian's Chromium unless `FV_CHROMIUM` names another binary. */
export const chromiumPath = process.env.FV_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags for headless Chromium with WebGPU on SwiftShader (no GPU needed) and no network chatter.
 * A fresh `--user-data-dir` is added by {@link launchChromium} (playwright passes it itself).
 */
export const chromiumArgs: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where e2e tests leave screenshots and other artifacts (gitignored). */
export const artifactsDir = join(repoRoot, 'test-results', 'e2e');

export interface ChromiumSession {
  readonly context: BrowserContext;
  /** Opens a page that records its console and uncaught errors. */
  newPage(): Promise<RecordedPage>;
  close(): Promise<void>;
}

export interface RecordedPage {
  readonly page: Page;
  /** Every console message so far, as `type: text`. */
  readonly console: string[];
  /** Uncaught exceptions in the page. */
  readonly errors: string[];
}

/**
 * Launches headless Chromium through playwright-core with a fresh user data directory, which is
 * deleted again on `close()`.
 */
export async function launchChromium(): Promise<ChromiumSession> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'fv-chromium-'));
  let context: BrowserContext;
  try {
    // playwright refuses `--user-data-dir` in `args`: a persistent context is how it takes one.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: [...chromiumArgs],
      viewport: { width: 800, height: 600 },
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw new Error(
      `could not launch Chromium at ${chromiumPath} (install it with \`apt-get install -y chromium\` or set FV_CHROMIUM): ${String(error)}`,
    );
  }
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const console: string[] = [];
      const errors: string[] = [];
      page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
      page.on('pageerror', (error) => errors.push(error.stack ?? error.message));
      return { page, console, errors };
    },
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until the page sets `window[name]` (a page-set flag, never a fixed sleep) and returns its
 * value. If the page throws first, the error says so, with the page's errors and console tail.
 */
export async function waitForPageResult<T>(
  recorded: RecordedPage,
  name = 'fvResult',
  timeoutMs = 90_000,
): Promise<T> {
  try {
    await recorded.page.waitForFunction((key) => (window as never)[key] !== undefined, name, {
      timeout: timeoutMs,
      polling: 50,
    });
  } catch (error) {
    throw new Error(
      `page never set window.${name}: ${String(error)}\npage errors:\n${recorded.errors.join('\n')}\nconsole (last 20):\n${recorded.console.slice(-20).join('\n')}`,
    );
  }
  return (await recorded.page.evaluate((key) => (window as never)[key], name)) as T;
}

/** Saves a full-page screenshot to `test-results/e2e/<name>.png` and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const path = join(artifactsDir, `${name}.png`);
  await mkdir(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Saves the page's console to `test-results/e2e/<name>.console.txt` and returns its path. */
export async function saveConsole(recorded: RecordedPage, name: string): Promise<string> {
  const path = join(artifactsDir, `${name}.console.txt`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(
    path,
    [...recorded.console, ...recorded.errors.map((e) => `pageerror: ${e}`)].join('\n'),
  );
  return path;
}

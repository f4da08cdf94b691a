// Headless Chromium for the browser benchmarks (bench/browser.mjs, bench/webgpu-loop.mjs): Debian's
// Chromium with WebGPU enabled (SwiftShader on machines without a GPU), and a static server for
// the page's files and onnxruntime-web from node_modules, cross-origin isolated (wasm threads).
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { repoRoot } from './util.mjs';

export const CHROMIUM = process.env.FV_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TYPES = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
  '.onnx': 'application/octet-stream',
};

/**
 * Serves `files` (URL path → body) and `/node_modules/onnxruntime-web/…` on 127.0.0.1, opens a
 * page in a fresh headless Chromium profile, and returns `fn(page, origin, context)`; the browser,
 * the server and the profile are gone afterwards, whatever `fn` did.
 */
export async function withChromiumPage(files, fn) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let body = files.get(path);
    if (body === undefined && path.startsWith('/node_modules/onnxruntime-web/')) {
      const file = normalize(join(repoRoot, path));
      if (file.startsWith(repoRoot) && existsSync(file)) body = readFileSync(file);
    }
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const userDataDir = await mkdtemp(join(tmpdir(), 'fv-bench-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
    });
    const page = await context.newPage();
    return await fn(page, `http://127.0.0.1:${server.address().port}`, context);
  } finally {
    await context?.close();
    server.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
}

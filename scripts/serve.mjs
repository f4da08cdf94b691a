// `pnpm run serve`: a static server for the repository on 127.0.0.1 (PORT, default 8080), for the
// example pages and the browser test pages. Cross-origin isolated (COOP/COEP), so pages get
// SharedArrayBuffer and onnxruntime-web can use wasm threads. The tests use their own copy
// (test/e2e/helpers/server.ts) on a random port.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = Number(process.env.PORT ?? 8080);
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
};

const server = createServer((req, res) => {
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-embedder-policy', 'require-corp');
  res.setHeader('cache-control', 'no-store');
  let file;
  try {
    file = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
  } catch {
    res.writeHead(400).end('bad request');
    return;
  }
  if (!file.startsWith(root) && `${file}${sep}` !== root) {
    res.writeHead(403).end('forbidden');
    return;
  }
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!existsSync(file)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${req.url}`);
    return;
  }
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
});

server.listen(port, '127.0.0.1', () => {
  const base = `http://127.0.0.1:${port}`;
  const pages = (dir) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir)).filter((f) => f.endsWith('.html') || !f.includes('.'))
      : [];
  console.log(`fv: serving ${root} at ${base}/`);
  for (const dir of ['examples', 'test/fixtures/e2e']) {
    for (const page of pages(dir)) console.log(`  ${base}/${dir}/${page}`);
  }
  console.log('Open the pages in a browser with WebGPU (Chrome/Edge 113+). Ctrl-C stops.');
});

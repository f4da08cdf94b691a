// `pnpm gallery` (also `pnpm start:examples`): builds the gallery (examples/dist) and serves it
// on 127.0.0.1 (PORT, default 5180), with the model catalog: `/models/index.json` and the models
// and photos it names (models/default, FV_MODELS_DIR or ../shared/models, the test fixture CNN).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { buildGallery } from './build.mjs';
import { catalogRoutes, modelsDir } from './catalog.mjs';

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
};

const root = await buildGallery();
const { index, files } = catalogRoutes();
const port = Number(process.env.PORT ?? 5180);

const server = createServer((req, res) => {
  res.setHeader('cache-control', 'no-store');
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    res.writeHead(400).end('bad request');
    return;
  }
  if (pathname === '/models/index.json') {
    res.writeHead(200, { 'content-type': types['.json'] }).end(JSON.stringify(index));
    return;
  }
  let file = files[pathname] ?? normalize(join(root, pathname));
  if (!files[pathname] && !file.startsWith(root + sep) && file !== root) {
    res.writeHead(403).end('forbidden');
    return;
  }
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!existsSync(file)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname}`);
    return;
  }
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
});

server.listen(port, '127.0.0.1', () => {
  console.log(`fv examples: http://127.0.0.1:${port}/`);
  console.log(`  models: ${index.models.map((m) => m.name).join(', ')}`);
  if (!modelsDir())
    console.log('  (no FV_MODELS_DIR or ../shared/models: only the bundled models)');
  console.log(
    'Open it in a browser with WebGPU (Chrome/Edge 113+) or any browser for wasm. Ctrl-C stops.',
  );
});

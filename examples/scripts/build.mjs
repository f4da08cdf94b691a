// Builds the example gallery into examples/dist: one HTML page per capability (a shared sidebar),
// the pages' scripts and @fv/runtime's worker bundled with esbuild (the same bundling the
// runtime's e2e tests use; @fv/* from their sources), and onnxruntime-web's browser files copied
// next to the worker, which imports them at run time.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from './catalog.mjs';
import { pages, renderPage } from './pages.mjs';

const examples = join(repoRoot, 'examples');
const out = join(examples, 'dist');
const assets = join(out, 'assets');
const ortDist = join(repoRoot, 'node_modules', 'onnxruntime-web', 'dist');

/** onnxruntime-web's entries resolve to the copies in assets/ort/ (loaded by the worker). */
const ortPlugin = {
  name: 'onnxruntime-web-copied',
  setup(b) {
    b.onResolve({ filter: /^onnxruntime-web(\/.*)?$/ }, (args) => ({
      path:
        args.path === 'onnxruntime-web/wasm'
          ? './ort/ort.wasm.bundle.min.mjs'
          : './ort/ort.webgpu.bundle.min.mjs',
      external: true,
    }));
  },
};

const src = (name) => join(repoRoot, 'packages', name, 'src', 'index.ts');

export async function buildGallery({ minify = false } = {}) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(assets, 'ort'), { recursive: true });
  await build({
    entryPoints: {
      ...Object.fromEntries(pages.map((p) => [p.id, join(examples, 'src', 'pages', `${p.id}.ts`)])),
      worker: join(repoRoot, 'packages', 'runtime', 'src', 'worker.ts'),
    },
    alias: {
      '@fv/core': src('core'),
      '@fv/autodiff': src('autodiff'),
      '@fv/runtime': src('runtime'),
      '@fv/viz': src('viz'),
    },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: assets,
    sourcemap: true,
    minify,
    plugins: [ortPlugin],
    logLevel: 'warning',
  });
  for (const file of [
    'ort.webgpu.bundle.min.mjs',
    'ort.wasm.bundle.min.mjs',
    'ort-wasm-simd-threaded.asyncify.wasm',
    'ort-wasm-simd-threaded.wasm',
  ]) {
    copyFileSync(join(ortDist, file), join(assets, 'ort', file));
  }
  copyFileSync(join(examples, 'src', 'styles.css'), join(assets, 'styles.css'));
  for (const page of pages) {
    writeFileSync(join(out, `${page.id}.html`), renderPage(page));
  }
  writeFileSync(join(out, 'index.html'), renderPage(null));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = await buildGallery({ minify: process.argv.includes('--minify') });
  console.log(`fv gallery built in ${dir}`);
}

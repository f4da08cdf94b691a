// Browser part of `pnpm bench`: the same gradient benchmark through `@fv/runtime`'s engine in
// headless Chromium, on WebGPU (native WebGPU execution provider) and on wasm, in one page.
// On these machines WebGPU is SwiftShader's software adapter: this is a parity and overhead check
// (do both backends give the same gradient, what does the browser path cost), not GPU speed.
// Model: ResNet-20 on 32×32 (SwiftShader takes seconds per 224×224 forward).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { CHROMIUM, withChromiumPage } from './chromium.mjs';
import { compare, modelsDir, repoRoot } from './util.mjs';

const ortPlugin = {
  name: 'onnxruntime-web-from-node-modules',
  setup(b) {
    b.onResolve({ filter: /^onnxruntime-web(\/.*)?$/ }, (args) => ({
      path: `/node_modules/onnxruntime-web/dist/${
        args.path === 'onnxruntime-web/wasm'
          ? 'ort.wasm.bundle.min.mjs'
          : 'ort.webgpu.bundle.min.mjs'
      }`,
      external: true,
    }));
  },
};

const PAGE = `<!doctype html><meta charset="utf-8"><title>fv bench</title><script type="module">
import { createEngine } from '/__fv/runtime/index.js';
const p = new URLSearchParams(location.search);
const dims = p.get('dims').split(',').map(Number);
const reps = Number(p.get('reps'));
const n = dims.reduce((a, b) => a * b, 1);
const x = () => ({ data: Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5), dims });
const summarize = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1], n: s.length }; };
const out = {};
for (const backend of ['webgpu', 'wasm']) {
  try {
    let t = performance.now();
    const engine = await createEngine({ model: '/__fv/model.onnx', backend, numThreads: 1, cache: false });
    const loadMs = performance.now() - t;
    const objective = { kind: 'logit', output: p.get('output') };
    const fwd = [], grad = [];
    let g;
    await engine.forward(x()); g = await engine.gradient(x(), objective, { seed: 1 });
    for (let r = 0; r < reps; r++) {
      t = performance.now(); await engine.forward(x()); fwd.push(performance.now() - t);
      t = performance.now(); g = await engine.gradient(x(), objective, { seed: 1 }); grad.push(performance.now() - t);
    }
    out[backend] = { backend: engine.info.backend, loadMs, forwardMs: summarize(fwd), gradientMs: summarize(grad),
      gradient: Array.from(g.gradients[engine.info.inputs[0].name].data) };
    await engine.dispose();
  } catch (e) { out[backend] = { error: String(e && e.message || e) }; }
}
window.fvResult = out;
</script>`;

export async function benchBrowser({ quick, log = () => {} }) {
  const shared = modelsDir();
  if (!shared) return { skipped: 'shared models directory absent' };
  if (!existsSync(CHROMIUM)) return { skipped: `Chromium not found at ${CHROMIUM}` };
  const dist = join(repoRoot, 'packages/runtime/dist');
  if (!existsSync(join(dist, 'worker.js')))
    return { skipped: 'packages/runtime/dist missing: pnpm build' };
  const model = { name: 'ResNet-20 CIFAR 32', file: join(shared, 'cifar10/resnet20.onnx') };
  const bundle = await build({
    entryPoints: { index: join(dist, 'index.js'), worker: join(dist, 'worker.js') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: '/out',
    write: false,
    plugins: [ortPlugin],
    logLevel: 'silent',
  });
  const files = new Map();
  for (const f of bundle.outputFiles) files.set(`/__fv/runtime/${f.path.slice(5)}`, f.contents);
  files.set('/__fv/bench.html', PAGE);
  files.set('/__fv/model.onnx', readFileSync(model.file));
  try {
    return await withChromiumPage(files, async (page, url, context) => {
      const reps = quick ? 1 : 5;
      log(`  browser: ${model.name}, webgpu and wasm, ${reps} repetitions`);
      await page.goto(`${url}/__fv/bench.html?dims=1,3,32,32&output=logits&reps=${reps}`);
      await page.waitForFunction(() => window.fvResult !== undefined, null, { timeout: 300_000 });
      const r = await page.evaluate(() => window.fvResult);
      const result = { model: model.name, threads: 1, reps };
      for (const k of ['webgpu', 'wasm']) {
        const { gradient, ...rest } = r[k];
        result[k] = rest;
      }
      const a = r.webgpu.gradient;
      const b = r.wasm.gradient;
      if (a && b) result.gradientRelErrWebgpuVsWasm = compare(a, b).relErr;
      result.browser = context.browser()?.version();
      return result;
    });
  } catch (e) {
    return { error: String(e?.message ?? e).split('\n')[0] };
  }
}

// Smoke test of `pnpm bench` so the benchmark code cannot rot: `node bench/run.mjs --quick` (one
// repetition, ResNet-20 on 32×32 inputs, PyTorch and TensorFlow.js peers, engine and viz sections) as a
// subprocess against the built packages, then checks that it wrote well-formed results JSON.
// Timings are not asserted (the machine may be busy); structure and the peers' checks are.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'fv-bench-quick-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
}

const isStats = (s: Stats | undefined) =>
  !!s && Number.isFinite(s.median) && s.median > 0 && s.min <= s.median && s.median <= s.max;

const sharedModels =
  existsSync(join(repoRoot, '../shared/models/cifar10/resnet20.onnx')) ||
  !!process.env.FV_MODELS_DIR;

/** `node bench/run.mjs --quick --sections SECTION` into a file of its own: the section's results. */
async function quickSection(section: string, timeout = 150_000) {
  const out = join(dir, `${section}.json`);
  await promisify(execFile)(
    process.execPath,
    ['bench/run.mjs', '--quick', '--sections', section, '--out', out],
    { cwd: repoRoot, timeout, maxBuffer: 1 << 24 },
  );
  return JSON.parse(await readFile(out, 'utf8'))[section];
}

// The rendering section needs no models, so it is checked on every machine.
test('pnpm bench --quick --sections viz times colorize and overlay at 1024×1024', async () => {
  const v = await quickSection('viz', 120_000);
  expect(v.size).toBe(1024);
  expect(v.steps.map((s: { name: string }) => s.name)).toContain(v.target.step);
  for (const s of [...v.reference, ...v.steps]) {
    expect(s.median, s.name).toBeGreaterThan(0);
    expect(Number.isFinite(s.ratio), s.name).toBe(true);
  }
  expect(v.target.met).toBe(v.target.median < v.target.ms);
}, 150_000);

// The default model is committed, so the metrics section is checked on every machine: its
// counts follow from the definitions (a forward pass to resolve the class, then the metric's).
test('pnpm bench --quick --sections metrics counts the model evaluations of every metric', async () => {
  const rows = (await quickSection('metrics')).rows as {
    method: string;
    metric: string;
    forward: number;
    gradient: number;
    models: number;
    ms: number;
  }[];
  const cost = (metric: string) => {
    const row = rows.find((r) => r.method === 'vanilla' && r.metric === metric)!;
    expect(row.ms).toBeGreaterThan(0);
    return [row.forward, row.gradient, row.models];
  };
  // 64×64, 64 pixels per step: 65 images; 10 perturbations; 2 cascade points of 8 layers.
  expect(cost('explanation')).toEqual([1, 1, 0]);
  expect(cost('deletion')).toEqual([1 + 65, 0, 0]);
  expect(cost('insertion')).toEqual([1 + 65, 0, 0]);
  expect(cost('infidelity')).toEqual([1 + 10, 0, 0]);
  expect(cost('sensitivity')).toEqual([1 + 10, 10, 0]);
  expect(cost('randomization')).toEqual([1 + 2, 2, 2]);
}, 150_000);

// `fv microscope` on the default model (no shared models needed): the site's passes, the in-run
// baselines and a resumed rerun that has nothing to redo.
test('pnpm bench --quick --sections microscope times a site build and its resume', async () => {
  const m = await quickSection('microscope');
  expect(m.layers).toHaveLength(2);
  expect(m.units).toBe(4);
  expect(m.images).toBeGreaterThanOrEqual(8);
  for (const key of ['dataset', 'units', 'images', 'pages', 'total', 'resume']) {
    expect(m.ms[key], key).toBeGreaterThan(0);
  }
  expect(m.resumeWork).toEqual({ imagesIndexed: 0, unitsRendered: 0, imagesSummarized: 0 });
  expect(isStats(m.baseline.before.forwardMs) && isStats(m.baseline.after.gradientMs)).toBe(true);
  for (const r of Object.values(m.ratios)) expect(Number.isFinite(r as number)).toBe(true);
}, 160_000);

// `fv saliency` over a folder (the default model is committed): every configuration runs, and
// the figures follow from the index (one round, so the medians are the run's own values).
test('pnpm bench --quick --sections batch times fv saliency over a folder', async () => {
  const b = await quickSection('batch');
  expect(b.images).toBe(4);
  expect(b.loadAverage.start).toHaveLength(3);
  expect(b.effectiveCores).toHaveLength(2);
  for (const c of b.effectiveCores) expect(c).toBeGreaterThan(0);
  const configs = b.rows.map(
    (x: { backend: string; threads: number; workers: number }) =>
      `${x.backend} ${x.threads}t ${x.workers}w`,
  );
  const n = b.cores;
  expect(configs).toEqual(
    n > 1 ? ['native 1t 1w', `native 1t ${n}w`, 'wasm 1t 1w'] : ['native 1t 1w', 'wasm 1t 1w'],
  );
  for (const x of b.rows) {
    expect(x.error).toBeUndefined();
    expect(isStats(x.ms) && isStats(x.warmupMs) && isStats(x.steadyMs)).toBe(true);
    // Whole run = images / wall time; steady state = W engines / median time per image.
    expect(x.imagesPerS).toBeCloseTo((4 * 1000) / x.ms.median, 6);
    expect(x.steadyImagesPerS).toBeCloseTo((x.workers * 1000) / x.steadyMs.median, 6);
    expect(x.oneOffMs.median).toBeGreaterThanOrEqual(0);
    expect(x.oneOffMs.median).toBeLessThan(x.ms.median);
  }
}, 160_000);

test.skipIf(!sharedModels)(
  'pnpm bench --quick writes well-formed results',
  async () => {
    const out = join(dir, 'quick.json');
    await promisify(execFile)(process.execPath, ['bench/run.mjs', '--quick', '--out', out], {
      cwd: repoRoot,
      timeout: 170_000,
      maxBuffer: 1 << 24,
    });
    const r = JSON.parse(await readFile(out, 'utf8'));
    expect(r.quick).toBe(true);
    expect(r.reps).toBe(1);
    expect(r.machine.cores).toBeGreaterThan(0);
    expect(r.machine.node).toBe(process.version);
    expect(r.machine.onnxruntimeWeb).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.machine.onnxruntimeNode).toMatch(/^\d+\.\d+\.\d+/);

    expect(r.autodiff.length).toBeGreaterThan(0);
    for (const a of r.autodiff) {
      expect(isStats(a.forwardMs) && isStats(a.gradientMs)).toBe(true);
      expect(a.ratio).toBeGreaterThan(0);
      expect(a.threads).toBe(1);
      // The native backend's runtime (onnxruntime-node) in the same rounds: its input gradient is
      // wasm's within float32 tolerance (ReLU kinks: see the guide).
      expect(a.native.skipped).toBeUndefined();
      expect(isStats(a.native.forwardMs) && isStats(a.native.gradientMs)).toBe(true);
      expect(a.native.gradientVsWasm.cosine).toBeGreaterThan(0.999);
      expect(a.native.gradientVsWasm.relErr).toBeLessThan(2e-2);
    }

    expect(r.peers.length).toBe(r.autodiff.length);
    for (const p of r.peers) {
      // PyTorch may be missing: then the peer says why instead of failing.
      if (p.torch.skipped) expect(p.torch.skipped).toMatch(/torch|python/i);
      else {
        // The peer pins every pool to the asked count (a mismatch is an error, not a row).
        expect(p.torch.error).toBeUndefined();
        expect(p.torch.threads).toBe(1);
        expect(p.torch.interopThreads).toBe(1);
        // OpenBLAS's own pool (null: torch links another BLAS).
        expect([1, null]).toContain(p.torch.blasThreads);
        expect(isStats(p.torch.gradientMs)).toBe(true);
        expect(p.torch.gradientVsOurs.cosine).toBeGreaterThan(0.999);
      }
      expect(p.tfjs.error).toBeUndefined();
      expect(p.tfjs.logitsRelErr).toBeLessThan(1e-4);
      expect(isStats(p.tfjs.gradientMs)).toBe(true);
      expect(p.tfjs.gradientVsOurs.cosine).toBeGreaterThan(0.999);
    }

    const e = r.engine;
    expect(e.saliency.map((s: { method: string }) => s.method)).toEqual([
      'vanilla',
      'smoothgrad',
      'integrated-gradients',
      'grad-cam',
      'occlusion',
    ]);
    for (const s of e.saliency) {
      expect(s.error).toBeUndefined();
      expect(isStats(s.ms)).toBe(true);
    }
    expect(e.dreams).toHaveLength(3);
    for (const d of e.dreams) {
      expect(d.error).toBeUndefined();
      expect(isStats(d.stepMs)).toBe(true);
      expect(d.overhead).toBeGreaterThanOrEqual(0);
      expect(d.overhead).toBeLessThan(1);
    }
    expect(e.memory.rssPeakMiB).toBeGreaterThan(0);

    // The full quick run includes the rendering section (checked on its own in the test above).
    expect(r.viz.steps.length).toBeGreaterThan(0);
  },
  180_000,
);

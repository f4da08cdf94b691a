// Saliency-map throughput over a folder of images, as a user runs it: the built `fv saliency`
// (packages/cli/dist/cli.js, vanilla gradient, grid picture and `--save-npy`) on native and on
// wasm, with 1 thread and all cores, 1 engine and W engines (`--workers`); and without pictures
// (`--maps none`), which leaves the engines' share. Each run writes the
// JSON Lines index, whose lines come in the order images finish and carry each image's time, so
// that one run gives three figures: the one-off cost (process start, module and model load,
// session creation: the command's time not spent in images, counted once), warm-up (each engine's
// first image) and the steady state (images/s over the other images, W engines in parallel) — what
// a folder of thousands of images costs per image. Configurations are interleaved round by round;
// medians over the rounds. Models: the default model's held-out images; MobileNetV2 on the shared
// photos (copied under several names) when ../shared/models is there and not --quick.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { median, modelsDir, repoRoot, summarize } from './util.mjs';

const cli = join(repoRoot, 'packages/cli/dist/cli.js');

/** The folders to run over: the default model always, MobileNetV2 when asked for and present. */
function batchModels({ quick, count, scratch }) {
  const dir = join(repoRoot, 'models/default');
  const heldout = join(dir, 'heldout');
  const models = [
    {
      name: 'default (models/default/shapes10.onnx)',
      args: [join(dir, 'shapes10.onnx')],
      images: readdirSync(heldout)
        .filter((f) => f.endsWith('.png') && !f.endsWith('.mask.png'))
        .sort()
        .slice(0, count)
        .map((f) => join(heldout, f)),
    },
  ];
  const shared = modelsDir();
  if (!quick && shared) {
    // Four photos, each under several names (the same work per image as distinct photos).
    const photos = readdirSync(join(shared, 'images'))
      .filter((f) => /\.(png|jpe?g)$/i.test(f))
      .sort()
      .map((f) => join(shared, 'images', f));
    const images = Array.from({ length: count }, (_, i) => {
      const p = photos[i % photos.length];
      const copy = join(scratch, `${String(i).padStart(2, '0')}-${basename(p)}`);
      copyFileSync(p, copy);
      return copy;
    });
    models.push({
      name: 'MobileNetV2 224 (shared photos)',
      args: [
        join(shared, 'imagenet/mobilenet_v2_1.0_224.onnx'),
        '--preset',
        'tf-mobilenet',
        '--labels',
        join(shared, 'imagenet/imagenet_labels_1001.txt'),
      ],
      images,
    });
  }
  return models;
}

/** One timed `fv saliency` run: wall time and the index's per-image times in finishing order. */
function runOnce(model, c) {
  const out = mkdtempSync(join(tmpdir(), 'fv-bench-batch-'));
  const index = join(out, 'index.jsonl');
  const args = [
    cli,
    'saliency',
    ...model.args,
    ...model.images,
    '--out',
    `${out}/`,
    '--save-npy',
    '--maps',
    c.maps,
    '--backend',
    c.backend,
    '--threads',
    String(c.threads),
    '--workers',
    String(c.workers),
    '--index',
    index,
    '--json',
  ];
  const t = performance.now();
  try {
    execFileSync(process.execPath, args, {
      cwd: repoRoot,
      env: { ...process.env, FV_NO_PROGRESS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 24,
    });
    const wallMs = performance.now() - t;
    const imageMs = readFileSync(index, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).ms);
    return { wallMs, imageMs };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * The figures of one run of n images on W engines: each engine's first image is its warm-up (the
 * first W lines of the index), the rest is the steady state (W images in flight at once, so
 * W / median time per image); the one-off cost is the wall time minus the images' time per engine.
 */
export function batchFigures({ wallMs, imageMs }, workers) {
  const w = Math.min(workers, imageMs.length);
  const warm = imageMs.slice(0, w);
  const steady = imageMs.slice(w);
  const perEngine = imageMs.reduce((a, b) => a + b, 0) / w;
  const steadyMs = steady.length ? median(steady) : undefined;
  return {
    wallMs,
    imagesPerS: (imageMs.length * 1000) / wallMs,
    oneOffMs: Math.max(0, wallMs - perEngine),
    warmupMs: median(warm),
    steadyMs,
    steadyImagesPerS: steadyMs ? (w * 1000) / steadyMs : undefined,
  };
}

/**
 * How many cores this run actually gets: a fixed busy loop alone, then `cores` copies at once
 * (separate processes); effective cores = cores × alone / together. On a shared machine whose other
 * work sits in other cgroups, niceness does not give the benchmark the idle cores it looks for.
 */
async function probeCores(cores, iterations) {
  const code = `const t=performance.now();let s=0;for(let i=0;i<${iterations};i++)s+=i%7;console.log(performance.now()-t)`;
  const run = () =>
    new Promise((resolve, reject) =>
      execFile(process.execPath, ['-e', code], (error, out) =>
        error ? reject(error) : resolve(Number(out)),
      ),
    );
  const aloneMs = await run();
  const togetherMs = await Promise.all(Array.from({ length: cores }, run));
  return { aloneMs, togetherMs, effectiveCores: (cores * aloneMs) / median(togetherMs) };
}

export async function benchBatch({ quick, log = () => {} }) {
  const cores = availableParallelism();
  const count = quick ? 4 : 12;
  const rounds = quick ? 1 : 2;
  const scratch = mkdtempSync(join(tmpdir(), 'fv-bench-batch-images-'));
  const loadStart = loadavg();
  const configs = [];
  for (const backend of ['native', 'wasm']) {
    configs.push({ backend, threads: 1, workers: 1, maps: 'grid' });
    // --quick (the test command's smoke test) keeps one run per code path: native with W workers.
    if (cores > 1 && !(quick && backend === 'wasm')) {
      if (!quick) configs.push({ backend, threads: cores, workers: 1, maps: 'grid' });
      configs.push({ backend, threads: 1, workers: cores, maps: 'grid' });
    }
  }
  // The same without pictures (`--maps none`, only the .npy files): the engines' share alone, since
  // PNG encoding runs on the command's main thread for all engines.
  if (!quick) {
    for (const backend of ['native', 'wasm']) {
      configs.push({ backend, threads: 1, workers: 1, maps: 'none' });
      if (cores > 1) configs.push({ backend, threads: 1, workers: cores, maps: 'none' });
    }
  }
  const models = batchModels({ quick, count, scratch });
  const iterations = quick ? 2e7 : 3e8;
  const probes = [await probeCores(cores, iterations)];
  log(`  effective cores: ${probes[0].effectiveCores.toFixed(2)} of ${cores}`);
  const rows = [];
  try {
    for (const model of models) {
      log(`  ${model.name}: ${model.images.length} images`);
      const runs = configs.map(() => []);
      const failures = configs.map(() => undefined);
      for (let r = 0; r < rounds; r++) {
        for (const [i, c] of configs.entries()) {
          if (failures[i]) continue;
          try {
            runs[i].push(batchFigures(runOnce(model, c), c.workers));
          } catch (error) {
            failures[i] = String(error.stderr ?? error.message)
              .split('\n')
              .find((l) => l.trim());
            log(`  batch ${c.backend} ${c.threads}t ${c.workers}w ${c.maps} fails: ${failures[i]}`);
          }
        }
      }
      for (const [i, c] of configs.entries()) {
        if (failures[i]) {
          rows.push({ model: model.name, ...c, error: failures[i] });
          continue;
        }
        const stat = (key) => {
          const xs = runs[i].map((x) => x[key]).filter((x) => x !== undefined);
          return xs.length ? summarize(xs) : undefined;
        };
        const row = {
          model: model.name,
          images: model.images.length,
          ...c,
          ms: stat('wallMs'),
          oneOffMs: stat('oneOffMs'),
          warmupMs: stat('warmupMs'),
          steadyMs: stat('steadyMs'),
          imagesPerS: median(runs[i].map((x) => x.imagesPerS)),
          steadyImagesPerS: stat('steadyImagesPerS')?.median,
        };
        rows.push(row);
        log(
          `  ${c.backend}, ${c.threads} thread(s), ${c.workers} worker(s), maps ${c.maps}: steady ${row.steadyImagesPerS?.toFixed(1)} images/s, whole run ${row.imagesPerS.toFixed(1)} images/s, one-off ${row.oneOffMs.median.toFixed(0)} ms, warm-up image ${row.warmupMs.median.toFixed(0)} ms`,
        );
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  probes.push(await probeCores(cores, iterations));
  log(`  effective cores at the end: ${probes[1].effectiveCores.toFixed(2)} of ${cores}`);
  return {
    models: models.map((m) => m.name),
    images: count,
    cores,
    method: 'vanilla',
    rounds,
    loadAverage: { start: loadStart, end: loadavg() },
    /** Cores this run got, probed at its start and its end. */
    effectiveCores: probes.map((p) => p.effectiveCores),
    rows,
  };
}

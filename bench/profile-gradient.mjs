// Where the time of a gradient model goes on onnxruntime-node's CPU provider (fv's native
// backend): onnxruntime's session profiler (per-node kernel times) over the forward model and the
// gradient model that @fv/autodiff builds, grouped per op family. A diagnostic script, not a
// benchmark section: its per-node times are onnxruntime's own, summed over the timed runs.
//
//   node bench/profile-gradient.mjs [model.onnx] [--threads N] [--runs N] [--tuning name,…]
//
// Tunings: `plain` (the default graph: ConvTranspose input gradients, Where masks), `flip`
// (precomputeWeights only), `native` (the native backend's NATIVE_GRADIENT_TUNING).
// Each family's line: ms per run, share of the kernel time, nodes per run; "(optimized)" marks
// nodes onnxruntime created or renamed (fused Conv+activation, NCHWc reorders), named by op.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildGradientModel, decodeModel, summarizeModel } from '@fv/autodiff';
import { NATIVE_GRADIENT_TUNING } from '../packages/runtime/dist/native.js';
import { nativeOptions } from './autodiff.mjs';
import { modelsDir, sinInput } from './util.mjs';

const TUNINGS = {
  plain: {},
  flip: { precomputeWeights: true },
  native: NATIVE_GRADIENT_TUNING,
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '1' },
    runs: { type: 'string', default: '10' },
    tuning: { type: 'string', default: Object.keys(TUNINGS).join(',') },
  },
});
const file = positionals[0] ?? join(modelsDir() ?? '', 'imagenet/mobilenet_v2_1.0_224.onnx');
const threads = Number(values.threads);
const runs = Number(values.runs);
const ort = (await import('onnxruntime-node')).default;

const bytes = new Uint8Array(readFileSync(file));
const summary = summarizeModel(bytes);
const input = summary.inputs[0];
const output = summary.outputs.find((o) => o.name === 'logits') ?? summary.outputs[0];
const dims = input.dims.map((d, i) => (typeof d === 'number' && d > 0 ? d : [1, 3, 224, 224][i]));

/** Op family of a node of `model` (by name), for grouping: depthwise/grouped/dense Conv etc. */
function families(modelBytes) {
  const model = decodeModel(modelBytes);
  const byName = new Map();
  for (const node of model.graph.node) {
    const attr = (n) => node.attribute.find((a) => a.name === n);
    const group = Number(attr('group')?.i ?? 1);
    const strides = (attr('strides')?.ints ?? []).map(Number);
    const back = node.name.startsWith('fv/');
    let family = node.opType;
    if (node.opType === 'Conv' || node.opType === 'ConvTranspose') {
      const kind = group > 1 ? 'depthwise/grouped' : 'dense';
      const s = strides.some((v) => v > 1) ? ' stride>1' : '';
      family = `${node.opType} ${kind}${s}`;
    }
    byName.set(node.name, `${back ? 'backward' : 'forward'}: ${family}`);
  }
  return byName;
}

async function profile(modelBytes, feeds, fetches) {
  const dir = mkdtempSync(join(tmpdir(), 'fv-profile-'));
  const session = await ort.InferenceSession.create(modelBytes, {
    ...nativeOptions(threads),
    enableProfiling: true,
    profileFilePrefix: join(dir, 'p'),
  });
  await session.run(feeds, fetches); // warm-up, excluded below
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await session.run(feeds, fetches);
  const wall = (performance.now() - t0) / runs;
  session.endProfiling();
  await session.release();
  const name = readdirSync(dir).find((f) => f.endsWith('.json'));
  const events = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  // Node events: name `<node>_kernel_time`, args.op_name; the first run (warm-up) is skipped.
  const runsSeen = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const firstTimed = runsSeen[1]?.ts ?? 0;
  const nodes = events.filter(
    (e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= firstTimed,
  );
  return { wall, nodes };
}

function group(nodes, fams) {
  const out = new Map();
  for (const e of nodes) {
    const node = e.name.slice(0, -'_kernel_time'.length);
    const op = e.args?.op_name ?? '?';
    let fam = fams.get(node);
    if (!fam) {
      // Nodes onnxruntime created while optimizing (NCHWc reorders, fusions): by their op.
      const back = node.startsWith('fv/') || /fv\//.test(node);
      fam = `${back ? 'backward' : 'forward?'}: ${op} (optimized)`;
    } else if (op !== fam.split(': ')[1].split(' ')[0]) fam = `${fam} → ${op}`;
    const g = out.get(fam) ?? { ms: 0, n: 0 };
    g.ms += e.dur / 1000 / runs;
    g.n += 1 / runs;
    out.set(fam, g);
  }
  return [...out.entries()].sort((a, b) => b[1].ms - a[1].ms);
}

const x = new ort.Tensor('float32', sinInput(dims.reduce((a, b) => a * b, 1)), dims);
const fwd = await profile(bytes, { [input.name]: x }, [output.name]);
console.log(
  `${file}, ${threads} thread(s), ${runs} runs; load ${(await import('node:os'))
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`,
);
const report = (label, r, fams) => {
  const total = r.nodes.reduce((s, e) => s + e.dur, 0) / 1000 / runs;
  console.log(`\n${label}: wall ${r.wall.toFixed(1)} ms/run, kernels ${total.toFixed(1)} ms/run`);
  for (const [fam, g] of group(r.nodes, fams)) {
    console.log(
      `  ${g.ms.toFixed(2).padStart(8)} ms  ${((100 * g.ms) / total).toFixed(1).padStart(5)}%  ×${Math.round(g.n).toString().padEnd(4)} ${fam}`,
    );
  }
  return total;
};
const fwdTotal = report('forward', fwd, families(bytes));
const outDims = [1, output.dims.at(-1)];
for (const t of values.tuning.split(',')) {
  const gm = buildGradientModel(bytes, {
    objective: { kind: 'logit', output: output.name },
    ...TUNINGS[t],
  });
  const seed = new ort.Tensor('float32', new Float32Array(outDims[1]).fill(0.01), outDims);
  const r = await profile(gm.bytes, { [input.name]: x, [gm.seedInput]: seed }, [
    gm.gradientOutputs[input.name],
    gm.valueOutput,
  ]);
  const total = report(`gradient (${t})`, r, families(gm.bytes));
  console.log(
    `  gradient/forward: wall ${(r.wall / fwd.wall).toFixed(2)}, kernels ${(total / fwdTotal).toFixed(2)}`,
  );
}

// Throughput of W native engines × T threads each (fv's `--workers W --threads T`), every engine
// alternating forward and gradient calls as `fv saliency` does per image, and the per-call times
// of one engine. A diagnostic script for the native backend's thread settings (issue 18's notes),
// not a benchmark section.
//
//   node bench/native-engines.mjs [model.onnx] [--configs 1x1,1x2,2x1,2x2] [--images N] [--rounds N]
//
// `FV_ONNXRUNTIME_NODE` (a module wrapping onnxruntime-node) lets the same script time other
// session options.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summarizeModel } from '@fv/autodiff';
import { createEngine } from '@fv/runtime';
import { median, modelsDir, sinInput } from './util.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    configs: { type: 'string', default: '1x1,1x2,2x1,2x2' },
    images: { type: 'string', default: '24' },
    rounds: { type: 'string', default: '3' },
  },
});
const file = positionals[0] ?? join(modelsDir() ?? '', 'imagenet/mobilenet_v2_1.0_224.onnx');
const configs = values.configs.split(',').map((c) => c.split('x').map(Number));
const images = Number(values.images);
const bytes = new Uint8Array(readFileSync(file));
const summary = summarizeModel(bytes);
const input = summary.inputs[0];
const output = summary.outputs.find((o) => o.name === 'logits') ?? summary.outputs[0];
const dims = input.dims.map((d, i) => (typeof d === 'number' && d > 0 ? d : [1, 3, 224, 224][i]));
const x = { data: sinInput(dims.reduce((a, b) => a * b, 1)), dims };
const objective = { kind: 'logit', output: output.name };

const rows = {};
for (let r = 0; r < Number(values.rounds); r++) {
  for (const [w, t] of configs) {
    const engines = await Promise.all(
      Array.from({ length: w }, () =>
        createEngine({ model: bytes, backend: 'native', numThreads: t, cache: false }),
      ),
    );
    const key = `${w} engine(s) × ${t} thread(s)`;
    rows[key] ??= { rate: [], forward: [], gradient: [] };
    const row = rows[key];
    for (const e of engines) {
      await e.forward(x);
      await e.gradient(x, objective, { seed: 1 });
    }
    let next = 0;
    const start = performance.now();
    await Promise.all(
      engines.map(async (e) => {
        while (next++ < images) {
          let s = performance.now();
          await e.forward(x);
          row.forward.push(performance.now() - s);
          s = performance.now();
          await e.gradient(x, objective, { seed: 1 });
          row.gradient.push(performance.now() - s);
        }
      }),
    );
    row.rate.push((images * 1000) / (performance.now() - start));
    await Promise.all(engines.map((e) => e.dispose()));
  }
}
console.log(`${file.split('/').pop()}, ${values.rounds} rounds × ${images} images`);
console.log(
  'config | images/s per round (forward + gradient) | forward ms | gradient ms (medians)',
);
for (const [key, row] of Object.entries(rows)) {
  const rates = row.rate.map((v) => v.toFixed(1)).join(', ');
  console.log(
    `${key} | ${rates} | ${median(row.forward).toFixed(2)} | ${median(row.gradient).toFixed(2)}`,
  );
}

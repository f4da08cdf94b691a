// The README's main job (after install and build): runs the `fv` CLI end to end on the committed
// default model (models/default/shapes10.onnx) and writes its pictures to ./out/.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'packages/cli/dist/cli.js');
const model = 'models/default/shapes10.onnx';
const samples = 'models/default/samples';
const out = 'out';
mkdirSync(join(root, out), { recursive: true });

const steps = [
  ['classify the samples', ['classify', model, samples, '--top', '1'], []],
  [
    'SmoothGrad saliency grid',
    [
      'saliency',
      model,
      `${samples}/striped-disc.png`,
      '--method',
      'smoothgrad',
      '--out',
      `${out}/saliency-smoothgrad.png`,
    ],
    [`${out}/saliency-smoothgrad.png`],
  ],
  [
    'vanilla saliency grids of every sample',
    ['saliency', model, samples, '--out', `${out}/saliency/`],
    [`${out}/saliency/`],
  ],
  [
    'Deep Dream',
    [
      'dream',
      model,
      `${samples}/target-rings.png`,
      '--layer',
      'block2',
      '--resize',
      '256',
      '--step-size',
      '0.04',
      '--out',
      `${out}/dream.png`,
      '--frames',
      `${out}/dream.apng`,
    ],
    [`${out}/dream.png`, `${out}/dream.apng`],
  ],
  [
    'unit visualization',
    [
      'visualize',
      model,
      '--layer',
      'block3',
      '--channels',
      '0-7',
      '--size',
      '64',
      '--steps',
      '128',
      '--out',
      `${out}/units-block3.png`,
    ],
    [`${out}/units-block3.png`],
  ],
  [
    'class visualization',
    [
      'classviz',
      model,
      '--target',
      'yellow cross',
      '--steps',
      '100',
      '--min-display',
      '256',
      '--out',
      `${out}/classviz-yellow-cross.png`,
    ],
    [`${out}/classviz-yellow-cross.png`],
  ],
];

console.log(`fv: the CLI on the default model (${model})\n`);
const timings = [];
const total = performance.now();
for (const [title, args, files] of steps) {
  console.log(`$ fv ${args.join(' ')}`);
  const start = performance.now();
  const run = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
  const seconds = (performance.now() - start) / 1000;
  if (run.status !== 0) {
    console.error(`fv: '${title}' failed (exit ${run.status ?? run.signal})`);
    process.exit(1);
  }
  timings.push([title, seconds, files]);
  console.log(`  (${seconds.toFixed(1)} s)\n`);
}
console.log('Done. Timings and outputs:');
for (const [title, seconds, files] of timings) {
  console.log(`  ${seconds.toFixed(1).padStart(6)} s  ${title.padEnd(40)} ${files.join(' ')}`);
}
console.log(`  ${((performance.now() - total) / 1000).toFixed(1).padStart(6)} s  total`);

// PNG encoding benchmark of @fv/viz on the pictures `fv saliency` writes over a folder (bench/batch.mjs):
// the grid picture of the default model on a held-out image and, when ../shared/models is there,
// of MobileNetV2 on a 224×224 photo (plus a `--style overlay` grid of each). Compares, interleaved
// run by run on the same decoded pixels:
//   upng  upng-js's compressPNG (all five filter types, a pako deflate of each, the smallest kept),
//         which encodePng used before
//   fv    encodePng (one adaptive filter pass, one fflate deflate)
// and checks that fv's PNG decodes to the same pixels. Run after building:
//
//   pnpm build && flock /work/bench.lock node packages/viz/bench/png.bench.mjs
//
// FV_BENCH_RUNS sets the timed runs per picture (15).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng, encodePng } from '@fv/viz';
import UPNG from 'upng-js';
import { median, modelsDir, repoRoot } from '../../../bench/util.mjs';

const runs = Number(process.env.FV_BENCH_RUNS ?? 15);
const cli = join(repoRoot, 'packages/cli/dist/cli.js');
const scratch = mkdtempSync(join(tmpdir(), 'fv-bench-png-'));

/** Runs `fv saliency` once and returns the decoded pictures it wrote. */
function pictures(name, args, image) {
  const out = [];
  for (const style of ['heat-map', 'overlay']) {
    const dir = join(scratch, `${name}-${style}`);
    execFileSync(
      process.execPath,
      [cli, 'saliency', ...args, image, '--out', `${dir}/`, '--style', style, '--backend', 'wasm'],
      { cwd: repoRoot, env: { ...process.env, FV_NO_PROGRESS: '1' }, stdio: 'ignore' },
    );
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.png'))) {
      out.push({ name: `${name} ${style} grid`, image: decodePng(readFileSync(join(dir, f))) });
    }
  }
  return out;
}

const cases = [];
const defaultDir = join(repoRoot, 'models/default');
const heldout = readdirSync(join(defaultDir, 'heldout'))
  .filter((f) => f.endsWith('.png') && !f.endsWith('.mask.png'))
  .sort()[0];
cases.push(
  ...pictures('default', [join(defaultDir, 'shapes10.onnx')], join(defaultDir, 'heldout', heldout)),
);
const shared = modelsDir();
if (shared && existsSync(join(shared, 'imagenet/mobilenet_v2_1.0_224.onnx'))) {
  cases.push(
    ...pictures(
      'MobileNetV2 224',
      [
        join(shared, 'imagenet/mobilenet_v2_1.0_224.onnx'),
        '--preset',
        'tf-mobilenet',
        '--labels',
        join(shared, 'imagenet/imagenet_labels_1001.txt'),
      ],
      join(shared, 'images/chelsea.png'),
    ),
  );
}
rmSync(scratch, { recursive: true, force: true });

function upngEncode(image) {
  const { data } = image;
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const c = UPNG.encode.compressPNG([buffer], image.width, image.height, 0, false);
  return c.frames[0].cimg.length;
}

// Wall time, and the process's CPU time (user + system), which other processes on a busy machine
// disturb less.
const time = (fn) => {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const r = fn();
  const used = process.cpuUsage(cpu);
  return [performance.now() - t, (used.user + used.system) / 1000, r];
};

console.log(
  `PNG encoding, Node ${process.version}, ${runs} runs interleaved, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  'picture                              size      wall ms: upng      fv  ratio   CPU ms: upng      fv  ratio   bytes: upng IDAT  fv file',
);
for (const { name, image } of cases) {
  const bytes = encodePng(image);
  const back = decodePng(bytes);
  if (!back.data.every((v, i) => v === image.data[i])) throw new Error(`${name}: pixels differ`);
  for (let i = 0; i < 2; i++) {
    upngEncode(image);
    encodePng(image);
  }
  const [oldWall, oldCpu, ourWall, ourCpu] = [[], [], [], []];
  let idat = 0;
  for (let i = 0; i < runs; i++) {
    const [a, ac, n] = time(() => upngEncode(image));
    const [b, bc] = time(() => encodePng(image));
    oldWall.push(a);
    oldCpu.push(ac);
    ourWall.push(b);
    ourCpu.push(bc);
    idat = n;
  }
  const cols = [oldWall, ourWall, oldCpu, ourCpu].map(median);
  const f = (v, n = 7) => v.toFixed(1).padStart(n);
  console.log(
    `${name.padEnd(36)} ${`${image.width}×${image.height}`.padEnd(9)} ${f(cols[0], 14)} ${f(cols[1])} ${f(cols[0] / cols[1], 5)}× ${f(cols[2], 13)} ${f(cols[3])} ${f(cols[2] / cols[3], 5)}× ${String(idat).padStart(16)} ${String(bytes.length).padStart(8)}`,
  );
}
console.log(
  `load average at the end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

// Saliency-map throughput over a folder of images, as a user runs it: the built `fv saliency`
// (packages/cli/dist/cli.js) on the default model's held-out images (vanilla gradient, grid
// pictures, `--save-npy`), on native and on wasm, with 1 thread and all cores, 1 engine and W
// engines (`--workers`). Configurations are interleaved round by round; images/s counts the whole
// command (start-up, model load, PNG encoding and writes included).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, summarize } from './util.mjs';

const cli = join(repoRoot, 'packages/cli/dist/cli.js');
const modelDir = join(repoRoot, 'models/default');

export function benchBatch({ quick, log = () => {} }) {
  const cores = availableParallelism();
  const heldout = join(modelDir, 'heldout');
  const images = readdirSync(heldout)
    .filter((f) => f.endsWith('.png') && !f.endsWith('.mask.png'))
    .sort()
    .slice(0, quick ? 4 : undefined)
    .map((f) => join(heldout, f));
  const configs = [];
  for (const backend of ['native', 'wasm']) {
    configs.push({ backend, threads: 1, workers: 1 });
    if (cores > 1) {
      configs.push({ backend, threads: cores, workers: 1 });
      configs.push({ backend, threads: 1, workers: cores });
    }
  }
  const rounds = quick ? 1 : 3;
  const times = configs.map(() => []);
  const failures = configs.map(() => undefined);
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of configs.entries()) {
      if (failures[i]) continue;
      const out = mkdtempSync(join(tmpdir(), 'fv-bench-batch-'));
      const args = [
        cli,
        'saliency',
        join(modelDir, 'shapes10.onnx'),
        ...images,
        '--out',
        `${out}/`,
        '--save-npy',
        '--backend',
        c.backend,
        '--threads',
        String(c.threads),
        '--workers',
        String(c.workers),
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
        times[i].push(performance.now() - t);
      } catch (error) {
        failures[i] = String(error.stderr ?? error.message).split('\n')[0];
        log(`  batch ${c.backend} ${c.threads}t ${c.workers}w fails: ${failures[i]}`);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  }
  const rows = configs.map((c, i) => {
    if (failures[i]) return { ...c, error: failures[i] };
    const ms = summarize(times[i]);
    return { ...c, ms, imagesPerS: (images.length * 1000) / ms.median };
  });
  for (const row of rows) {
    if (row.imagesPerS) {
      log(
        `  ${row.backend}, ${row.threads} thread(s), ${row.workers} worker(s): ${row.imagesPerS.toFixed(1)} images/s`,
      );
    }
  }
  return {
    model: 'default (models/default/shapes10.onnx)',
    images: images.length,
    cores,
    method: 'vanilla',
    rounds,
    rows,
  };
}

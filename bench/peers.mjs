// Peers in the same run: PyTorch (CPU, same thread count, input gradient only) through
// peers/torch_peer.py, and TensorFlow.js (wasm backend, tf.grad) through peers/tfjs-run.mjs, on
// the same ONNX networks and inputs, as child processes that time one call per command so that
// bench/autodiff.mjs interleaves their runs with ours. TF.js checks its logits against
// onnxruntime; autodiff.mjs compares both peers' input gradients with ours.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './util.mjs';

const PYTHON = process.env.FV_BENCH_PYTHON ?? '/usr/bin/python3';

function readFloats(file) {
  if (!existsSync(file)) return undefined;
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

/** Why a started peer does not run with exactly `threads` compute threads (undefined: it does). */
export function threadMismatch(ready, threads) {
  const wrong = [
    ['threads', ready.threads, threads],
    ['inter-op threads', ready.interopThreads, 1],
    ['BLAS threads', ready.blasThreads, threads],
  ].filter(([, got, want]) => got !== undefined && got !== null && got !== want);
  return wrong.length
    ? `runs ${wrong.map(([what, got, want]) => `${got} ${what} (asked ${want})`).join(', ')}`
    : undefined;
}

/**
 * Starts a peer as a server (`torch` or `tfjs`) that times one forward or gradient per call, so
 * the runner can interleave peer runs with its own (same moment, same machine noise). Resolves
 * once the peer is built and warmed up; `ready` says what it is, or why it cannot run.
 */
export async function startPeer(kind, { model, threads }) {
  if (kind === 'torch' && !existsSync(PYTHON)) {
    return { ready: { skipped: `${PYTHON} not found: PyTorch peer skipped` } };
  }
  const dir = mkdtempSync(join(tmpdir(), 'fv-bench-'));
  const gradFile = join(dir, 'grad.bin');
  const [cmd, args, env] =
    kind === 'torch'
      ? [
          PYTHON,
          [
            join(repoRoot, 'bench/peers/torch_peer.py'),
            model.file,
            '--threads',
            String(threads),
            '--dims',
            model.dims.join(','),
            '--input',
            model.input,
            '--output',
            model.output,
            '--grad-out',
            gradFile,
            '--serve',
          ],
          // Exactly `threads` in every pool (torch_peer.py pins them again before importing
          // torch); idle OpenMP threads must not spin while the others run.
          {
            ...process.env,
            OMP_NUM_THREADS: String(threads),
            MKL_NUM_THREADS: String(threads),
            OPENBLAS_NUM_THREADS: String(threads),
            OMP_WAIT_POLICY: 'PASSIVE',
          },
        ]
      : [
          process.execPath,
          [
            join(repoRoot, 'bench/peers/tfjs-run.mjs'),
            model.file,
            String(threads),
            'serve',
            model.dims.join(','),
            gradFile,
          ],
          process.env,
        ];
  const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done)
      throw new Error(`${kind} peer exited: ${stderr.trim().split('\n').slice(-2).join(' ')}`);
    return JSON.parse(value);
  };
  let ready;
  try {
    ready = await next();
  } catch (e) {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    return { ready: { error: String(e.message) } };
  }
  if (!ready.ready) {
    // A skip (no torch) or an error report instead of the ready line.
    child.stdin.end();
    rmSync(dir, { recursive: true, force: true });
    return { ready: ready.error ? { ...ready, error: ready.error.split('\n')[0] } : ready };
  }
  // TF.js's Node wasm build runs one thread whatever is asked (said in the report).
  const wrongThreads = kind === 'torch' ? threadMismatch(ready, threads) : undefined;
  if (wrongThreads) {
    // Times with other thread counts than ours are not comparable: no rows rather than wrong ones.
    child.stdin.end();
    rmSync(dir, { recursive: true, force: true });
    return { ready: { ...ready, error: `${kind} peer ${wrongThreads}` } };
  }
  const call = async (what) => {
    child.stdin.write(`${what}\n`);
    return (await next()).ms;
  };
  return {
    ready,
    forward: () => call('forward'),
    gradient: ready.gradientError ? undefined : () => call('gradient'),
    /** Ends the peer; returns its last input gradient (NCHW) when it wrote one. */
    async close() {
      child.stdin.end();
      try {
        await next();
      } catch {
        // the final report is optional
      }
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      const g = readFloats(gradFile);
      rmSync(dir, { recursive: true, force: true });
      return g ? Float32Array.from(g) : undefined;
    },
  };
}

// Peers in the same run: PyTorch (CPU, same thread count, input gradient only) through
// peers/torch_peer.py, and TensorFlow.js (wasm backend, tf.grad) through peers/tfjs-run.mjs, on
// the same ONNX networks and inputs. Both are checked against our results (logits for TF.js,
// input gradients for both).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compare, repoRoot, summarize } from './util.mjs';

const run = promisify(execFile);
const PYTHON = process.env.FV_BENCH_PYTHON ?? '/usr/bin/python3';

function lastJson(stdout) {
  const line = stdout.trim().split('\n').pop();
  return JSON.parse(line);
}

function readFloats(file) {
  if (!existsSync(file)) return undefined;
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

function timings(raw) {
  const out = {};
  if (raw.forwardMs?.length) out.forwardMs = summarize(raw.forwardMs);
  if (raw.gradientMs?.length) out.gradientMs = summarize(raw.gradientMs);
  return out;
}

export async function benchTorch({ model, threads, reps, ours }) {
  if (!existsSync(PYTHON)) return { skipped: `${PYTHON} not found: PyTorch peer skipped` };
  const dir = mkdtempSync(join(tmpdir(), 'fv-bench-'));
  try {
    const gradFile = join(dir, 'grad.bin');
    const { stdout } = await run(
      PYTHON,
      [
        join(repoRoot, 'bench/peers/torch_peer.py'),
        model.file,
        '--threads',
        String(threads),
        '--reps',
        String(reps),
        '--dims',
        model.dims.join(','),
        '--input',
        model.input,
        '--output',
        model.output,
        '--grad-out',
        gradFile,
      ],
      { maxBuffer: 1 << 24, timeout: 600_000 },
    );
    const raw = lastJson(stdout);
    if (raw.skipped) return { skipped: raw.skipped };
    const g = readFloats(gradFile);
    return {
      version: raw.torch,
      threads: raw.threads,
      ...timings(raw),
      gradientVsOurs: g && ours ? compare(ours, g) : undefined,
    };
  } catch (e) {
    return {
      error: String(e?.stderr || e?.message || e)
        .trim()
        .split('\n')
        .slice(-3)
        .join(' '),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchTfjs({ model, threads, reps, ours }) {
  const dir = mkdtempSync(join(tmpdir(), 'fv-bench-'));
  try {
    const gradFile = join(dir, 'grad.bin');
    const { stdout } = await run(
      process.execPath,
      [
        join(repoRoot, 'bench/peers/tfjs-run.mjs'),
        model.file,
        String(threads),
        String(reps),
        model.dims.join(','),
        gradFile,
      ],
      { maxBuffer: 1 << 24, timeout: 600_000 },
    );
    const raw = lastJson(stdout);
    if (raw.error) return { error: raw.error.split('\n')[0] };
    const g = readFloats(gradFile);
    return {
      version: raw.tfjs,
      backend: raw.backend,
      threads: raw.threads,
      logitsRelErr: raw.logitsRelErr,
      ...timings(raw),
      gradientError: raw.gradientError,
      gradientVsOurs: g && ours ? compare(ours, g) : undefined,
    };
  } catch (e) {
    return {
      error: String(e?.stderr || e?.message || e)
        .trim()
        .split('\n')
        .slice(-3)
        .join(' '),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The CLI on its two Node backends: onnxruntime-node's CPU provider (`native`, the default when
// installed) and onnxruntime-web's wasm. The same command gives the same classes and maps within
// float32 tolerance on both; without a working onnxruntime-node, `auto` runs on wasm after one
// line on stderr and `--backend native` is a typed error.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { compare } from '../../../test/helpers/compare.js';
import { describeWithModels } from '../../../test/helpers/models.js';
import { readNpy } from '../src/npy.js';
import { defaultModel, fv, repoRoot, samplesDir, tempDir } from './helpers.js';

const T = 240_000;
const out = tempDir('fv-native-');
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** An onnxruntime-node whose binary cannot be loaded (`FV_ONNXRUNTIME_NODE` names it). */
const BROKEN = {
  FV_ONNXRUNTIME_NODE: join(repoRoot, 'packages/runtime/test/fixtures/broken-onnxruntime-node.cjs'),
};

/** `fv saliency … --save-npy` on `backend`: the raw attribution, and what the command said. */
async function attribution(
  backend: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ data: Float32Array; json: { target: number; score: number }[]; stderr: string }> {
  const dir = join(out, `${backend}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  const file = join(dir, 'map.png');
  const r = await fv(
    ['saliency', ...args, '--out', file, '--save-npy', '--json', '--backend', backend],
    T,
    env,
  );
  expect(r.code, r.stderr).toBe(0);
  const npy = readNpy(new Uint8Array(readFileSync(join(dir, 'map.npy'))));
  return { data: npy.data as Float32Array, json: JSON.parse(r.stdout), stderr: r.stderr };
}

const sample = join(samplesDir, 'red-disc.png');

test('default model: saliency maps on native equal those on wasm', { timeout: T }, async () => {
  for (const method of ['vanilla', 'integrated-gradients']) {
    const args = [defaultModel, sample, '--method', method, '--steps', '8', '--threads', '1'];
    const native = await attribution('native', args);
    const wasm = await attribution('wasm', args);
    expect(native.stderr).toBe('');
    expect(native.json[0]!.target).toBe(wasm.json[0]!.target);
    expect(native.json[0]!.score).toBeCloseTo(wasm.json[0]!.score, 4);
    const s = compare(native.data, wasm.data);
    expect(s.cosine, method).toBeGreaterThan(0.9999);
    expect(s.relL2, method).toBeLessThan(1e-3);
  }
});

test('classify: the same classes and probabilities on native, wasm and auto', {
  timeout: T,
}, async () => {
  const runs = await Promise.all(
    ['native', 'wasm', 'auto'].map((backend) =>
      fv(['classify', defaultModel, samplesDir, '--json', '--backend', backend]),
    ),
  );
  for (const r of runs) expect([r.code, r.stderr]).toEqual([0, '']);
  const [native, wasm, auto] = runs.map(
    (r) => JSON.parse(r.stdout) as { top: { index: number; probability: number }[] }[],
  );
  expect(native!.length).toBeGreaterThan(1);
  for (const [i, n] of native!.entries()) {
    for (const other of [wasm!, auto!]) {
      expect(other[i]!.top.map((t) => t.index)).toEqual(n.top.map((t) => t.index));
      n.top.forEach((t, k) => {
        expect(Math.abs(t.probability - other[i]!.top[k]!.probability)).toBeLessThan(1e-5);
      });
    }
  }
});

test('without a working onnxruntime-node: auto says so in one line and runs on wasm; native fails', {
  timeout: T,
}, async () => {
  const args = [defaultModel, sample, '--threads', '1'];
  const fallback = await attribution('auto', args, BROKEN);
  const lines = fallback.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^fv: note: running on wasm \(slower\): .*onnxruntime-node/);
  const native = await attribution('native', args);
  expect(compare(fallback.data, native.data).relL2).toBeLessThan(1e-3);

  const r = await fv(['classify', defaultModel, sample, '--backend', 'native'], T, BROKEN);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(
    /^fv: error: onnxruntime-node could not be loaded.*\[BACKEND_UNAVAILABLE\]\n$/,
  );
});

test('bad engine flags are errors naming the flag, before any work', { timeout: T }, async () => {
  const bad = [
    [['--backend', 'webgpu'], /--backend/],
    [['--backend', 'gpu'], /--backend/],
    [['--threads', '0'], /--threads/],
    [['--threads', 'two'], /--threads/],
  ] as const;
  for (const [flags, flag] of bad) {
    const r = await fv(['classify', defaultModel, sample, ...flags]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(flag);
    expect(r.stderr).toMatch(/\[INVALID_ARGUMENT\]\n$/);
  }
});

describeWithModels('the CLI on MobileNetV2, native and wasm', (dir) => {
  test('vanilla saliency of chelsea.png: the same map on both backends', {
    timeout: T,
  }, async () => {
    const args = [
      join(dir, 'imagenet/mobilenet_v2_1.0_224.onnx'),
      join(dir, 'images/chelsea.png'),
      '--preset',
      'tf-mobilenet',
      '--target',
      '286',
    ];
    const [native, wasm] = [await attribution('native', args), await attribution('wasm', args)];
    expect(native.json[0]!.score).toBeCloseTo(wasm.json[0]!.score, 3);
    const s = compare(native.data, wasm.data);
    // Deep ReLU6 nets: units within float error of a kink flip between runtimes (see the guide).
    expect(s.cosine).toBeGreaterThan(0.999);
    expect(s.relL2).toBeLessThan(2e-2);
  });
});

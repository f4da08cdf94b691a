// Gradient models from @fv/autodiff on onnxruntime-web's native WebGPU execution provider in
// headless Chromium: every node must be placed on WebGpuExecutionProvider (no silent CPU
// fallback) and the gradients must match the wasm provider and onnxruntime-web in Node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGradientModel } from '@fv/autodiff';
import type { Objective, ReluMode } from '@fv/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildModel, randomArray } from '../../packages/autodiff/test/helpers/onnx-model.js';
import { run as runInNode } from '../../packages/autodiff/test/helpers/ort.js';
import { modelsDir } from '../helpers/models.js';
import {
  type ChromiumSession,
  launchChromium,
  saveConsole,
  waitForPageResult,
} from './helpers/browser.js';
import { type StaticServer, startStaticServer } from './helpers/server.js';

/** A CNN touching most CNN rules: Conv (stride, groups), BN, Relu, Clip, MaxPool (pad, ceil), AveragePool, Concat, Gemm, Softmax. */
function mixedCnn(): Uint8Array {
  return buildModel({
    inputs: [{ name: 'x', dims: [1, 4, 12, 12] }],
    outputs: [{ name: 'probs', dims: [1, 5] }],
    floatInits: [
      { name: 'w1', dims: [8, 4, 3, 3], data: randomArray(288, 11, -0.4, 0.4) },
      { name: 'b1', dims: [8], data: randomArray(8, 12, -0.1, 0.1) },
      { name: 'bn_s', dims: [8], data: randomArray(8, 13, 0.5, 1.5) },
      { name: 'bn_b', dims: [8], data: randomArray(8, 14, -0.2, 0.2) },
      { name: 'bn_m', dims: [8], data: randomArray(8, 15, -0.2, 0.2) },
      { name: 'bn_v', dims: [8], data: randomArray(8, 16, 0.5, 1.5) },
      { name: 'w2', dims: [8, 2, 3, 3], data: randomArray(144, 17, -0.4, 0.4) },
      { name: 'fw', dims: [5, 144], data: randomArray(720, 18, -0.2, 0.2) },
      { name: 'fb', dims: [5], data: randomArray(5, 19, -0.1, 0.1) },
      { name: 'lo', dims: [], data: [0] },
      { name: 'hi', dims: [], data: [6] },
    ],
    nodes: [
      {
        op: 'Conv',
        inputs: ['x', 'w1', 'b1'],
        outputs: ['c1'],
        attrs: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } },
      },
      { op: 'BatchNormalization', inputs: ['c1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], outputs: ['bn'] },
      { op: 'Relu', inputs: ['bn'], outputs: ['r1'] },
      {
        op: 'MaxPool',
        inputs: ['r1'],
        outputs: ['p1'],
        attrs: {
          kernel_shape: { ints: [3, 3] },
          strides: { ints: [2, 2] },
          pads: { ints: [1, 1, 1, 1] },
          ceil_mode: { int: 1 },
        },
      },
      {
        op: 'Conv',
        inputs: ['p1', 'w2'],
        outputs: ['c2'],
        attrs: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] }, group: { int: 4 } },
      },
      { op: 'Clip', inputs: ['c2', 'lo', 'hi'], outputs: ['r2'] },
      {
        op: 'AveragePool',
        inputs: ['r2'],
        outputs: ['a2'],
        attrs: { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } },
      },
      {
        op: 'MaxPool',
        inputs: ['r2'],
        outputs: ['m2'],
        attrs: { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } },
      },
      { op: 'Concat', inputs: ['a2', 'm2'], outputs: ['cat'], attrs: { axis: { int: 1 } } },
      { op: 'Flatten', inputs: ['cat'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'fw', 'fb'], outputs: ['logits'], attrs: { transB: { int: 1 } } },
      { op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: { int: 1 } } },
    ],
  });
}

interface Case {
  name: string;
  model: Uint8Array;
  input: { name: string; dims: number[] };
  objective: Objective;
  relu?: ReluMode;
  seedLength?: number;
}

const cases: Case[] = [
  {
    name: 'mixed-logit',
    model: mixedCnn(),
    input: { name: 'x', dims: [1, 4, 12, 12] },
    objective: { kind: 'logit', output: 'logits' },
    seedLength: 5,
  },
  {
    name: 'mixed-softmax-guided',
    model: mixedCnn(),
    input: { name: 'x', dims: [1, 4, 12, 12] },
    objective: { kind: 'logit', output: 'probs' },
    relu: 'guided',
    seedLength: 5,
  },
  {
    name: 'mixed-layer',
    model: mixedCnn(),
    input: { name: 'x', dims: [1, 4, 12, 12] },
    objective: { kind: 'layer', tensor: 'r2' },
  },
  {
    name: 'mixed-channel',
    model: mixedCnn(),
    input: { name: 'x', dims: [1, 4, 12, 12] },
    objective: { kind: 'channel', tensor: 'r1', channel: 3 },
  },
];
const shared = modelsDir();
if (shared) {
  cases.push({
    name: 'resnet20',
    model: new Uint8Array(readFileSync(join(shared, 'cifar10/resnet20.onnx'))),
    input: { name: 'input', dims: [1, 3, 32, 32] },
    objective: { kind: 'logit', output: 'logits' },
    seedLength: 10,
  });
} else {
  console.warn('fv: the resnet20 WebGPU gradient case is skipped: shared models folder absent');
}

interface Prepared {
  name: string;
  gradientOutput: string;
  feeds: Record<string, { data: Float32Array; dims: number[] }>;
  bytes: Uint8Array;
  outputs: string[];
}

let server: StaticServer;
let chromium: ChromiumSession;
const prepared: Prepared[] = [];

beforeAll(async () => {
  const files: Record<string, { body: Uint8Array }> = {};
  const spec = [];
  for (const c of cases) {
    const gm = buildGradientModel(c.model, {
      objective: c.objective,
      ...(c.relu ? { relu: c.relu } : {}),
    });
    const n = c.input.dims.reduce((a, b) => a * b, 1);
    const feeds: Prepared['feeds'] = {
      [c.input.name]: { data: randomArray(n, 31, -1, 1), dims: c.input.dims },
    };
    if (gm.seedInput) {
      const seed = new Float32Array(c.seedLength!);
      seed[1] = 1;
      feeds[gm.seedInput] = { data: seed, dims: [1, c.seedLength!] };
    }
    const gradientOutput = gm.gradientOutputs[c.input.name]!;
    const outputs = [gradientOutput, gm.valueOutput];
    prepared.push({ name: c.name, gradientOutput, feeds, bytes: gm.bytes, outputs });
    files[`/__fv/${c.name}.onnx`] = { body: gm.bytes };
    const feedSpec = Object.entries(feeds).map(([name, f], i) => {
      files[`/__fv/${c.name}-${i}.bin`] = {
        body: new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength),
      };
      return { name, url: `/__fv/${c.name}-${i}.bin`, dims: f.dims };
    });
    spec.push({ name: c.name, model: `/__fv/${c.name}.onnx`, feeds: feedSpec, outputs });
  }
  files['/__fv/spec.json'] = { body: new TextEncoder().encode(JSON.stringify(spec)) };
  server = await startStaticServer({ files });
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

describe('gradient models on the native WebGPU execution provider', () => {
  test('place every node on WebGPU and match wasm and Node', async () => {
    const recorded = await chromium.newPage();
    await recorded.page.goto(
      `${server.url}/test/fixtures/e2e/gradient-parity.html?spec=/__fv/spec.json`,
    );
    type Out = Record<string, number[]>;
    const result = await waitForPageResult<
      { error: string } | Record<string, { webgpu: Out; wasm: Out }>
    >(recorded, 'fvResult', 170_000);
    await saveConsole(recorded, 'gradient-parity');
    await recorded.page.close();
    if ('error' in result && typeof result.error === 'string')
      throw new Error(`page failed: ${result.error}`);
    const log = recorded.console.join('\n');
    const runs = result as Record<string, { webgpu: Out; wasm: Out }>;
    for (const p of prepared) {
      const start = log.indexOf(`fv: --- webgpu ${p.name} ---`);
      const end = log.indexOf(`fv: --- end ${p.name} ---`);
      expect(start, p.name).toBeGreaterThanOrEqual(0);
      expect(log.slice(start, end), `${p.name}: node placement`).toContain(
        'All nodes placed on [WebGpuExecutionProvider]',
      );
      const node = await runInNode(p.bytes, p.feeds, p.outputs);
      const reference = node[p.gradientOutput]!.data;
      const r = runs[p.name]!;
      expect(
        relL2(r.wasm[p.gradientOutput]!, reference),
        `${p.name}: browser wasm vs Node`,
      ).toBeLessThan(1e-5);
      expect(
        relL2(r.webgpu[p.gradientOutput]!, reference),
        `${p.name}: WebGPU vs Node`,
      ).toBeLessThan(1e-3);
      expect(
        Math.abs(r.webgpu[p.gradientOutput]!.reduce((s, v) => s + Math.abs(v), 0)),
      ).toBeGreaterThan(0);
    }
  }, 180_000);
});

// Gradient models from @fv/autodiff on onnxruntime-web's native WebGPU execution provider in
// headless Chromium: every node must be placed on WebGpuExecutionProvider (no silent CPU
// fallback) and the gradients must match the wasm provider and onnxruntime-web in Node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildGradientModel } from '@fv/autodiff';
import type { Objective, ReluMode } from '@fv/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildModel, randomArray } from '../../packages/autodiff/test/helpers/onnx-model.js';
import { run as runInNode } from '../../packages/autodiff/test/helpers/ort.js';
import type { RuleCase } from '../../packages/autodiff/test/helpers/rule-case.js';
import { ruleCases } from '../../packages/autodiff/test/rules/cases/index.js';
import {
  loadMatrixModel,
  matrixCases,
  matrixInput,
  matrixSeed,
} from '../helpers/matrix-goldens.js';
import { modelsDir } from '../helpers/models.js';
import {
  type ChromiumSession,
  launchChromium,
  saveConsole,
  waitForPageResult,
} from './helpers/browser.js';
import { repoRoot, type StaticServer, startStaticServer } from './helpers/server.js';

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
  input: { name: string; dims: number[]; data?: Float32Array };
  extraFeeds?: Record<string, { data: Float32Array; dims: number[] }>;
  objective: Objective;
  relu?: ReluMode;
  seedLength?: number;
  /** Seed dims for a logit objective (default [1, seedLength]). */
  seedDims?: readonly number[];
  /** Seed values for a logit objective (default: random, or one-hot of class 1). */
  seed?: Float32Array;
  /**
   * Forward nodes onnxruntime-web may place on the CPU (backward nodes never): `explained` ones
   * whose op FORWARD_CPU_OPS names with the reason, or `any` (exports whose int64 shape
   * arithmetic onnxruntime keeps on the CPU). @defaultValue none: every node on WebGPU
   */
  forwardCpu?: 'explained' | 'any';
  /** Also compare WebGPU numbers (default true; placement is always checked). */
  parity?: boolean;
  /** WebGPU is known to be wrong here (upstream bug): assert that it still is. */
  upstreamBug?: boolean;
  /** onnxruntime-web cannot create a WebGPU session for the forward model: the expected error. */
  webgpuSessionFails?: RegExp;
}

// The per-rule test models (packages/autodiff/test/rules/cases) of the rules that the fixtures
// above do not exercise: placement and numbers against wasm. (Every op any rule emits is also
// checked against WEBGPU_OPS by packages/autodiff/test/rules/registry.test.ts.)
const browserRules = new Set([
  'Abs',
  'BiasGelu',
  'ConvInteger',
  'DynamicQuantizeLinear',
  'FastGelu',
  'MatMulInteger',
  'QuickGelu',
  'SkipLayerNormalization',
  'DequantizeLinear',
  'Einsum',
  'Gather',
  'GatherElements',
  'GatherND',
  'Log',
  'Max',
  'Mean',
  'Min',
  'Mod',
  'QuantizeLinear',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSumExp',
  'ReduceMax',
  'ReduceMin',
  'ReduceSumSquare',
  'ScatterElements',
  'ScatterND',
  'Selu',
  'Softplus',
  'Softsign',
  'Sum',
  'Tile',
  'Where',
]);

/** Output dims of each rule case's forward model (the seed of its logit objective). */
const ruleSeedDims = new Map<RuleCase, readonly number[]>();
for (const [op, list] of Object.entries(ruleCases)) {
  if (!browserRules.has(op)) continue;
  for (const c of list) {
    const out = await runInNode(c.model, { ...(c.extraFeeds ?? {}), [c.input.name]: c.input });
    ruleSeedDims.set(c, out[c.objective?.kind === 'logit' ? c.objective.output : 'y']?.dims ?? []);
  }
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
  {
    // Unit visualization's warm-up gradient (Lucid's redirected ReLU): every node on the GPU.
    name: 'mixed-channel-redirected',
    model: mixedCnn(),
    input: { name: 'x', dims: [1, 4, 12, 12] },
    objective: { kind: 'channel', tensor: 'r2', channel: 1 },
    relu: 'redirected',
  },
];
// The PyTorch golden fixtures (thin torchvision architectures): every rule they need on WebGPU.
const fixtureDir = join(repoRoot, 'test/fixtures/autodiff');
const manifest = JSON.parse(readFileSync(join(fixtureDir, 'manifest.json'), 'utf8')) as {
  models: {
    name: string;
    model: string;
    input: { name: string; dims: number[] };
    output: { name: string; dims: number[] };
    objectives: { layer: { tensor: string } };
  }[];
};
// Numeric parity runs on a subset chosen to cover distinct ops (SwiftShader compiles every shader
// anew, ~10–30 s per model); node placement is checked for all of them.
// squeezenet1_1 is left out of parity: onnxruntime-web 1.30's WebGPU *forward* Conv is wrong for
// its 6→24-channel 3×3 convolutions (see the canary case below), so no gradient could match.
const parityFixtures = new Set(['mobilenet_v3_small', 'convnext_tiny', 'shufflenet_v2']);
for (const f of manifest.models) {
  const model = new Uint8Array(readFileSync(join(fixtureDir, f.model)));
  cases.push({
    name: `${f.name}-logit`,
    model,
    input: f.input,
    objective: { kind: 'logit', output: f.output.name },
    seedLength: f.output.dims[1]!,
    parity: parityFixtures.has(f.name),
  });
}
// Canary for an upstream bug (onnxruntime-web 1.30, native WebGPU EP): a plain forward Conv with
// 6 input and 24 output channels, 3×3, gives wrong values (wasm is right), so its gradient does
// too. This case asserts the mismatch; when it starts failing, upstream fixed the kernel: turn it
// into a normal parity case and put squeezenet1_1 back into parityFixtures.
cases.push({
  name: 'upstream-conv-6to24-bug',
  model: buildModel({
    inputs: [{ name: 'x', dims: [1, 6, 4, 4] }],
    outputs: [{ name: 'y', dims: [1, 24, 4, 4] }],
    floatInits: [{ name: 'w', dims: [24, 6, 3, 3], data: randomArray(1296, 5) }],
    nodes: [
      {
        op: 'Conv',
        inputs: ['x', 'w'],
        outputs: ['y'],
        attrs: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } },
      },
    ],
  }),
  input: { name: 'x', dims: [1, 6, 4, 4] },
  objective: { kind: 'layer', tensor: 'y' },
  upstreamBug: true,
});
/**
 * Rule test models whose forward graph onnxruntime-web 1.30 cannot load on WebGPU (canaries: the
 * test fails when upstream fixes them): an opset-13 Dropout with ratio and training_mode inputs
 * and a mask output gives "Provider type for Dropout node … is not set". torchvision's Swin
 * exports Dropouts of that form; its goldens load on WebGPU (onnxruntime removes them there).
 */
const WEBGPU_SESSION_FAILS: Readonly<Record<string, RegExp>> = {
  'Dropout: opset 13, ratio and training_mode = false inputs, mask output':
    /Provider type for Dropout node/,
  'Dropout: training mode with ratio 0: identity': /Provider type for Dropout node/,
};
for (const [op, list] of Object.entries(ruleCases)) {
  if (!browserRules.has(op)) continue;
  list.forEach((c, i) => {
    const objective = c.objective ?? { kind: 'logit', output: 'y' };
    const fails = WEBGPU_SESSION_FAILS[`${op}: ${c.name}`];
    cases.push({
      name: `rule-${op}-${i}`,
      model: c.model,
      input: c.input,
      ...(c.extraFeeds ? { extraFeeds: c.extraFeeds } : {}),
      objective,
      ...(c.relu ? { relu: c.relu } : {}),
      ...(objective.kind === 'logit' ? { seedDims: ruleSeedDims.get(c)! } : {}),
      // Numbers for the first case of each rule (the others only for placement: browser time).
      parity: !fails && i === 0,
      forwardCpu: 'explained',
      ...(fails ? { webgpuSessionFails: fails } : {}),
    });
  });
}
// The export matrix (transformers, hybrids, CNNs at opsets 13, 17 dynamic and 11): placement of
// every export's gradient graph; numbers against wasm for ViT and the dynamic Swin (each further
// transformer costs 10–25 s of shader compilation on SwiftShader; their ops are covered by these
// two and by the per-rule cases above).
const matrixParity = new Set(['vit opset13', 'swin opset17_dynamic']);
for (const { model, variant } of matrixCases()) {
  const input = matrixInput(variant);
  const seed = matrixSeed(variant);
  cases.push({
    name: `matrix-${model.name}-${variant.name}`,
    model: loadMatrixModel(variant),
    input: { name: variant.input.name, dims: input.dims, data: input.data },
    objective: { kind: 'logit', output: variant.output.name },
    seedDims: seed.dims,
    seed: seed.data,
    parity: matrixParity.has(`${model.name} ${variant.name}`),
    forwardCpu: 'any',
  });
}
// Quantized models (tools/autodiff_quantized.py): the straight-through backward graph on WebGPU.
// Their forward quantizers and integer kernels run on the CPU (no WebGPU kernels in 1.30).
for (const name of ['qdq', 'dynamic']) {
  const dir = join(repoRoot, 'test/fixtures/autodiff-quantized');
  const input = { name: 'input', dims: [1, 3, 32, 32] };
  cases.push({
    name: `quantized-${name}`,
    model: new Uint8Array(gunzipSync(readFileSync(join(dir, `${name}.onnx.gz`)))),
    input,
    objective: { kind: 'logit', output: 'logits' },
    seedLength: 10,
    forwardCpu: 'any',
  });
}
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
  forwardCpu: 'explained' | 'any' | undefined;
  webgpuSessionFails: RegExp | undefined;
  gradientOutput: string;
  feeds: Record<string, { data: Float32Array; dims: number[] }>;
  bytes: Uint8Array;
  outputs: string[];
  parity: boolean;
  upstreamBug: boolean;
}

/**
 * Forward ops of the per-rule test models that onnxruntime-web 1.30 places on the CPU under the
 * WebGPU provider. They belong to the models, not to the gradient graphs fv appends.
 */
const FORWARD_CPU_OPS: Readonly<Record<string, string>> = {
  Clip: 'attribute-form Clip (opset < 11) has no WebGPU kernel',
  Dropout: 'opset-7 Dropout has no WebGPU kernel',
  QuantizeLinear: 'no WebGPU kernel (DequantizeLinear has one)',
  Mean: 'variadic Mean has no WebGPU kernel (fv sums gradients with Add)',
  Sum: 'variadic Sum has no WebGPU kernel (fv sums gradients with Add)',
  Mod: 'no WebGPU kernel',
  DynamicQuantizeLinear: 'no WebGPU kernel (the forward of dynamically quantized models)',
  MatMulInteger: 'no WebGPU kernel (the forward of dynamically quantized models)',
  ConvInteger: 'no WebGPU kernel (the forward of dynamically quantized models)',
  Selu: 'no WebGPU kernel',
  Slice: 'on int64 indices (ArgMax results): onnxruntime keeps int64 index arithmetic on the CPU',
  Unsqueeze:
    'on int64 indices (ArgMax results): onnxruntime keeps int64 index arithmetic on the CPU',
  Softsign: 'no WebGPU kernel',
};

/** Nodes the verbose session log lists under "Node(s) placed on [CPUExecutionProvider]". */
function cpuPlacedNodes(block: string): { op: string; name: string }[] {
  const lines = block.split('\n');
  const at = lines.findIndex((l) => l.includes('Node(s) placed on [CPUExecutionProvider]'));
  if (at < 0) return [];
  const nodes: { op: string; name: string }[] = [];
  for (const line of lines.slice(at + 1)) {
    const m = /VerifyEachNodeIsAssignedToAnEp\]\s+(\w+) \((.*)\)\s*$/.exec(line);
    if (!m) break;
    nodes.push({ op: m[1]!, name: m[2]! });
  }
  return nodes;
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
      inputShapes: { [c.input.name]: c.input.dims },
    });
    const n = c.input.dims.reduce((a, b) => a * b, 1);
    const feeds: Prepared['feeds'] = {
      ...(c.extraFeeds ?? {}),
      [c.input.name]: { data: c.input.data ?? randomArray(n, 31, -1, 1), dims: c.input.dims },
    };
    if (gm.seedInput) {
      const dims = c.seedDims ?? [1, c.seedLength!];
      const seed = c.seed
        ? c.seed
        : c.seedDims
          ? randomArray(
              dims.reduce((a, b) => a * b, 1),
              99,
            )
          : new Float32Array(c.seedLength!);
      if (!c.seedDims && !c.seed) seed[1] = 1;
      feeds[gm.seedInput] = { data: seed, dims: [...dims] };
    }
    const gradientOutput = gm.gradientOutputs[c.input.name]!;
    const outputs = [gradientOutput, gm.valueOutput];
    prepared.push({
      name: c.name,
      forwardCpu: c.forwardCpu,
      webgpuSessionFails: c.webgpuSessionFails,
      gradientOutput,
      feeds,
      bytes: gm.bytes,
      outputs,
      parity: c.parity ?? true,
      upstreamBug: c.upstreamBug ?? false,
    });
    files[`/__fv/${c.name}.onnx`] = { body: gm.bytes };
    const feedSpec = Object.entries(feeds).map(([name, f], i) => {
      files[`/__fv/${c.name}-${i}.bin`] = {
        body: new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength),
      };
      return { name, url: `/__fv/${c.name}-${i}.bin`, dims: f.dims };
    });
    spec.push({
      name: c.name,
      model: `/__fv/${c.name}.onnx`,
      feeds: feedSpec,
      outputs,
      parity: c.parity ?? true,
    });
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

async function loadPage(query: string, label: string): Promise<{ result: unknown; log: string }> {
  const recorded = await chromium.newPage();
  try {
    await recorded.page.goto(
      `${server.url}/test/fixtures/e2e/gradient-parity.html?spec=/__fv/spec.json${query}`,
    );
    const result = await waitForPageResult<unknown>(recorded, 'fvResult', 400_000).finally(() =>
      saveConsole(recorded, label),
    );
    if (result && typeof result === 'object' && 'error' in result)
      throw new Error(`page failed: ${String(result.error)}`);
    return { result, log: recorded.console.join('\n') };
  } finally {
    await recorded.page.close();
  }
}

describe('gradient models on the native WebGPU execution provider', () => {
  test('place every node on WebGPU', async () => {
    const { log, result } = await loadPage('&placement=1', 'gradient-placement');
    const created = result as Record<string, { created?: true; error?: string }>;
    const unexpected = prepared.flatMap((p) =>
      !p.webgpuSessionFails && created[p.name]?.error
        ? [`${p.name}: ${created[p.name]!.error}`]
        : [],
    );
    expect(unexpected, 'WebGPU sessions that could not be created').toEqual([]);
    const backwardOnCpu: string[] = [];
    const forwardOnCpu: string[] = [];
    for (const p of prepared) {
      if (p.webgpuSessionFails) {
        expect(created[p.name]?.error, `${p.name}: upstream failure seems fixed`).toMatch(
          p.webgpuSessionFails,
        );
        continue;
      }
      expect(created[p.name], p.name).toEqual({ created: true });
      const start = log.indexOf(`fv: --- webgpu ${p.name} ---`);
      const end = log.indexOf(`fv: --- end ${p.name} ---`);
      expect(start, p.name).toBeGreaterThanOrEqual(0);
      const block = log.slice(start, end);
      if (!p.forwardCpu) {
        expect(block, `${p.name}: node placement`).toContain(
          'All nodes placed on [WebGpuExecutionProvider]',
        );
        continue;
      }
      for (const node of cpuPlacedNodes(block)) {
        if (node.name.startsWith('fv/')) backwardOnCpu.push(`${p.name}: ${node.op} ${node.name}`);
        else if (p.forwardCpu === 'explained' && !(node.op in FORWARD_CPU_OPS))
          forwardOnCpu.push(`${p.name}: ${node.op}`);
      }
    }
    expect(backwardOnCpu, 'backward nodes placed on the CPU').toEqual([]);
    expect(forwardOnCpu, 'forward ops on the CPU that FORWARD_CPU_OPS does not explain').toEqual(
      [],
    );
  }, 420_000);

  test('give the same gradients on WebGPU as on wasm and in Node', async () => {
    type Out = Record<string, number[]>;
    const { result } = await loadPage('', 'gradient-parity');
    const runs = result as Record<string, { webgpu: Out; wasm: Out }>;
    for (const p of prepared.filter((q) => q.parity)) {
      const node = await runInNode(p.bytes, p.feeds, p.outputs);
      const reference = node[p.gradientOutput]!.data;
      const r = runs[p.name]!;
      expect(
        relL2(r.wasm[p.gradientOutput]!, reference),
        `${p.name}: browser wasm vs Node`,
      ).toBeLessThan(1e-5);
      const webgpuError = relL2(r.webgpu[p.gradientOutput]!, reference);
      if (p.upstreamBug) {
        expect(
          webgpuError,
          `${p.name}: the upstream WebGPU Conv bug seems fixed; see the comment on this case`,
        ).toBeGreaterThan(1e-2);
        continue;
      }
      expect(webgpuError, `${p.name}: WebGPU vs Node`).toBeLessThan(1e-3);
      expect(r.webgpu[p.gradientOutput]!.reduce((s, v) => s + Math.abs(v), 0)).toBeGreaterThan(0);
    }
  }, 420_000);
});

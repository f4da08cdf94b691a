// The native backend (onnxruntime-node's CPU provider) behind the same engine contract: chosen by
// 'auto' in Node, the same numbers as onnxruntime-web called directly (an independent runtime),
// the same errors, aborts and hosted loops; and a missing or broken onnxruntime-node is a reason
// to use wasm under 'auto', an error under 'native'.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendGraphOutputs, buildGradientModel } from '@fv/autodiff';
import { type Engine, FvError, type Objective, saliency } from '@fv/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine, type RuntimeEngine } from '../../src/index.js';
import { rejection } from '../helpers/errors.js';
import { convNet, randomInput, relativeError, runDirect } from '../helpers/models.js';
import { inPlace, wasmWorkerUrl, workerUrl } from '../helpers/worker.js';

const net = convNet({ size: 8 });
const dims = [2, 3, 8, 8];
const input = randomInput(2 * 3 * 8 * 8, 5);
const logit: Objective = { kind: 'logit', output: 'logits' };

/**
 * An engine started while `FV_ONNXRUNTIME_NODE` names `module` and `environment` is set (workers
 * copy the environment).
 */
async function engineWith(
  module: string,
  backend: 'auto' | 'native',
  {
    numThreads,
    environment = {},
  }: { numThreads?: number; environment?: Record<string, string> } = {},
): Promise<RuntimeEngine> {
  const set = { FV_ONNXRUNTIME_NODE: module, ...environment };
  const before = Object.fromEntries(Object.keys(set).map((k) => [k, process.env[k]]));
  Object.assign(process.env, set);
  try {
    return await createEngine({
      model: net.bytes,
      backend,
      worker: await workerUrl(),
      ...(numThreads ? { numThreads } : {}),
    });
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

let engine: RuntimeEngine;

beforeAll(async () => {
  engine = await createEngine({ model: net.bytes, worker: await workerUrl(), numThreads: 1 });
});
afterAll(async () => {
  await engine?.dispose();
});

describe('the native backend (onnxruntime-node)', () => {
  test("'auto' in Node chooses onnxruntime-node and says so", () => {
    expect(engine.info.backend).toBe('native');
    expect(engine.info.backendReason).toMatch(
      /^onnxruntime-node 1\.30\.0 \(CPU execution provider, 1 thread\)/,
    );
  });

  test('forward: the logits onnxruntime-web computes, batch of 2', async () => {
    const out = await engine.forward({ data: input, dims }, { outputs: ['logits', 'relu'] });
    const withRelu = appendGraphOutputs(net.bytes, [{ name: 'relu' }]);
    const direct = await runDirect(withRelu, { image: { data: input, dims } }, ['logits', 'relu']);
    expect(out.logits!.dims).toEqual([2, 5]);
    expect(relativeError(out.logits!.data, direct.logits!.data)).toBeLessThan(1e-5);
    expect(relativeError(out.relu!.data, direct.relu!.data)).toBeLessThan(1e-5);
  });

  test('gradient: the input gradient of the same graph run on onnxruntime-web, kept tensors too', async () => {
    const seed = { data: Float32Array.from({ length: 10 }, (_, i) => (i % 5) - 2), dims: [2, 5] };
    const got = await engine.gradient({ data: input, dims }, logit, { seed, keep: ['relu'] });
    const gm = buildGradientModel(net.bytes, { objective: logit, keep: ['relu'] });
    const direct = await runDirect(gm.bytes, {
      image: { data: input, dims },
      [gm.seedInput!]: seed,
    });
    expect(
      relativeError(got.gradients.image!.data, direct[gm.gradientOutputs.image!]!.data),
    ).toBeLessThan(1e-5);
    expect(relativeError(got.kept.relu!.data, direct[gm.keptOutputs.relu!]!.data)).toBeLessThan(
      1e-5,
    );
    const values = direct[gm.valueOutput]!.data;
    expect(got.value).toBeCloseTo(values[0]! + values[1]!, 4);
  });

  test('guided backprop on native equals guided backprop on wasm', async () => {
    const wasm = await createEngine({
      model: net.bytes,
      backend: 'wasm',
      worker: await workerUrl(),
    });
    try {
      const x = { data: input.slice(0, 192), dims: [1, 3, 8, 8] };
      const [a, b] = await Promise.all(
        [engine, wasm].map((e) => e.gradient(x, logit, { seed: 3, relu: 'guided' })),
      );
      expect(relativeError(a!.gradients.image!.data, b!.gradients.image!.data)).toBeLessThan(1e-5);
    } finally {
      await wasm.dispose();
    }
  });

  test('a hosted loop on native equals the same loop driven from this thread', async () => {
    const image = { data: input.slice(0, 192), dims: [1, 3, 8, 8] };
    const options = { method: 'smoothgrad', target: 1, samples: 6, seed: 2 } as const;
    const local: Engine = inPlace(engine);
    const hosted = await saliency(engine, image, options);
    const driven = await saliency(local, image, options);
    expect(Array.from(hosted.attribution.data)).toEqual(Array.from(driven.attribution.data));
  });

  test('the same typed errors and aborts as on wasm', async () => {
    const x = { data: input, dims };
    expect((await rejection(engine.forward(x, { outputs: ['nope'] }))).code).toBe('UNKNOWN_TENSOR');
    expect((await rejection(engine.gradient(x, logit, { seed: 5 }))).code).toBe('OUT_OF_RANGE');
    const controller = new AbortController();
    const pending = engine.gradient(x, logit, { seed: 1, signal: controller.signal });
    controller.abort();
    const aborted = await rejection(pending);
    expect([aborted.name, aborted.code]).toEqual(['AbortError', 'ABORTED']);
    const after = await engine.forward(x);
    expect(after.logits!.dims).toEqual([2, 5]);
  });

  test('every session gets its threads and stops its pool spinning when a run returns', async () => {
    // An engine's forward and gradient sessions each have an intra-op pool; pools that spin-wait
    // after a run take the cores the other session's run needs (issue 18: 2 threads slower than 1).
    const recorder = fileURLToPath(
      new URL('../fixtures/recording-onnxruntime-node.cjs', import.meta.url),
    );
    const dir = mkdtempSync(join(tmpdir(), 'fv-native-'));
    const log = join(dir, 'sessions.jsonl');
    const recorded = await engineWith(recorder, 'native', {
      numThreads: 2,
      environment: { FV_TEST_SESSION_LOG: log },
    });
    try {
      const x = { data: input, dims };
      const seed = { data: new Float32Array(10).fill(1), dims: [2, 5] };
      const [out, grad] = [await recorded.forward(x), await recorded.gradient(x, logit, { seed })];
      const [outRef, gradRef] = [
        await engine.forward(x),
        await engine.gradient(x, logit, { seed }),
      ];
      expect(relativeError(out.logits!.data, outRef.logits!.data)).toBeLessThan(1e-5);
      expect(relativeError(grad.gradients.image!.data, gradRef.gradients.image!.data)).toBeLessThan(
        1e-5,
      );
      const sessions = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(sessions.length).toBeGreaterThanOrEqual(2);
      for (const options of sessions) {
        expect(options).toMatchObject({
          executionProviders: ['cpu'],
          executionMode: 'sequential',
          intraOpNumThreads: 2,
          interOpNumThreads: 1,
          extra: { session: { force_spinning_stop: '1' } },
        });
      }
    } finally {
      await recorded.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('options are checked before any work: unknown backends, thread counts', async () => {
    for (const bad of [{ backend: 'gpu' as 'wasm' }, { numThreads: 0 }, { numThreads: 1.5 }]) {
      const error = await rejection(createEngine({ model: net.bytes, ...bad }));
      expect(error.code).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('without a working onnxruntime-node', () => {
  const broken = fileURLToPath(new URL('../fixtures/broken-onnxruntime-node.cjs', import.meta.url));
  const cases = [
    ['missing', '/nonexistent/onnxruntime-node.mjs', /Cannot find module/],
    ['broken', broken, /cannot open shared object file/],
  ] as const;

  test.each(cases)("%s: 'auto' falls back to wasm and says why", async (_, module, why) => {
    const auto = await engineWith(module, 'auto');
    try {
      expect(auto.info.backend).toBe('wasm');
      expect(auto.info.backendReason).toMatch(
        /native backend \(CPU\) unavailable: onnxruntime-node/,
      );
      expect(auto.info.backendReason).toMatch(why);
      const out = await auto.forward({ data: input, dims });
      expect(out.logits!.dims).toEqual([2, 5]);
    } finally {
      await auto.dispose();
    }
  });

  test.each(cases)("%s: 'native' fails with BACKEND_UNAVAILABLE", async (_, module, why) => {
    const error = await rejection(engineWith(module, 'native'));
    expect(error).toBeInstanceOf(FvError);
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toMatch(why);
  });
});

describe('the wasm-only worker (@fv/runtime/wasm)', () => {
  test("has no native backend: 'native' is BACKEND_UNAVAILABLE, 'auto' runs on wasm", async () => {
    const worker = await wasmWorkerUrl();
    const error = await rejection(createEngine({ model: net.bytes, backend: 'native', worker }));
    expect(error).toBeInstanceOf(FvError);
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toMatch(/no 'native' backend/);
    const auto = await createEngine({ model: net.bytes, worker });
    try {
      expect(auto.info.backend).toBe('wasm');
      const out = await auto.forward({ data: input, dims });
      expect(out.logits!.dims).toEqual([2, 5]);
    } finally {
      await auto.dispose();
    }
  });
});

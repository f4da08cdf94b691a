// Abort, worker crash, dispose, memory over 1,000 gradient calls and the worker round-trip cost.
import { Worker } from 'node:worker_threads';
import { FvError, type Objective } from '@fv/core';
import { describe, expect, test } from 'vitest';
import { createEngine } from '../src/index.js';
import { rejection } from './helpers/errors.js';
import { convNet, randomInput } from './helpers/models.js';
import { workerUrl } from './helpers/worker.js';

const net = convNet({ size: 8, batch: 1 });
const dims = [1, 3, 8, 8];
const input = randomInput(192, 3);
const logit: Objective = { kind: 'logit', output: 'logits' };
/** 400 samples on a batch-1 model: 400 runs in the worker, long enough to abort or crash. */
const longBatch = { data: randomInput(400 * 192, 4), dims: [400, 3, 8, 8] };

describe('abort', () => {
  test('an already aborted signal rejects at once with AbortError (ABORTED)', async () => {
    const engine = await createEngine({
      model: net.bytes,
      backend: 'wasm',
      worker: await workerUrl(),
    });
    try {
      const controller = new AbortController();
      controller.abort();
      const error = await rejection(
        engine.forward({ data: input, dims }, { signal: controller.signal }),
      );
      expect(error).toBeInstanceOf(FvError);
      expect(error.name).toBe('AbortError');
      expect(error.code).toBe('ABORTED');
    } finally {
      await engine.dispose();
    }
  });

  test('aborting a running call rejects it promptly, stops its runs, and the engine stays usable', async () => {
    const engine = await createEngine({
      model: net.bytes,
      backend: 'wasm',
      worker: await workerUrl(),
    });
    try {
      await engine.gradient({ data: input, dims }, logit, { seed: 0 });
      const before = await engine.stats();
      const controller = new AbortController();
      const call = engine.gradient(longBatch, logit, { seed: 1, signal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const abortedAt = performance.now();
      controller.abort(new Error('user cancelled'));
      const error = await rejection(call);
      const latency = performance.now() - abortedAt;
      expect(error.code).toBe('ABORTED');
      expect(error.name).toBe('AbortError');
      expect(error.message).toMatch(/user cancelled/);
      expect(latency).toBeLessThan(1_000);
      // The worker stopped between runs instead of finishing the batch.
      const result = await engine.gradient({ data: input, dims }, logit, { seed: 2 });
      expect(result.gradients.image!.dims).toEqual(dims);
      const after = await engine.stats();
      expect(after.runs - before.runs).toBeLessThan(400);
      expect(after.gradientModelsBuilt).toBe(before.gradientModelsBuilt);
    } finally {
      await engine.dispose();
    }
  });

  test('an abort signal on createEngine cancels loading', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(
      createEngine({ model: net.bytes, worker: await workerUrl(), signal: controller.signal }),
    );
    expect(error.code).toBe('ABORTED');
  });
});

describe('worker crash and dispose', () => {
  test('a terminated worker rejects every pending call with WORKER_CRASHED; a new engine works', async () => {
    const worker = new Worker(await workerUrl());
    const engine = await createEngine({ model: net.bytes, backend: 'wasm', worker });
    const pending = [
      engine.gradient(longBatch, logit, { seed: 1 }),
      engine.forward(longBatch),
      engine.forward({ data: input, dims }),
    ];
    await new Promise((resolve) => setTimeout(resolve, 20));
    await worker.terminate();
    for (const call of pending) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(FvError);
      expect(error.code).toBe('WORKER_CRASHED');
    }
    const later = await rejection(engine.forward({ data: input, dims }));
    expect(later.code).toBe('WORKER_CRASHED');
    await engine.dispose();

    const again = await createEngine({
      model: net.bytes,
      backend: 'wasm',
      worker: await workerUrl(),
    });
    expect((await again.forward({ data: input, dims })).logits!.dims).toEqual([1, 5]);
    await again.dispose();
  });

  test('a worker that dies on its own (process.exit in the worker) is reported', async () => {
    const worker = new Worker('process.exit(3)', { eval: true });
    const error = await rejection(createEngine({ model: net.bytes, backend: 'wasm', worker }));
    expect(error.code).toBe('WORKER_CRASHED');
    expect(error.message).toMatch(/exited with code 3/);
  });

  test('a worker that never answers rejects createEngine with WORKER_TIMEOUT and is terminated', async () => {
    // Alive (it holds a port open) but silent: a worker file that is not @fv/runtime's worker.
    const worker = new Worker("require('node:worker_threads').parentPort.on('message', () => {})", {
      eval: true,
    });
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const started = performance.now();
    const error = await rejection(
      createEngine({ model: net.bytes, backend: 'wasm', worker, workerTimeoutMs: 300 }),
    );
    expect(error).toBeInstanceOf(FvError);
    expect(error.code).toBe('WORKER_TIMEOUT');
    expect(error.message).toMatch(/did not answer within 300 ms/);
    expect(error.details).toEqual({ timeoutMs: 300 });
    // Not before the timeout (the worker is alive, nothing else could reject).
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    await exited;
  });

  test('workerTimeoutMs must be a positive number of milliseconds', async () => {
    for (const workerTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5' as never]) {
      const error = await rejection(
        createEngine({
          model: net.bytes,
          backend: 'wasm',
          worker: await workerUrl(),
          workerTimeoutMs,
        }),
      );
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(/workerTimeoutMs/);
    }
  });

  test('dispose releases the worker; later calls reject with DISPOSED', async () => {
    const worker = new Worker(await workerUrl());
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const engine = await createEngine({ model: net.bytes, backend: 'wasm', worker });
    await engine.gradient({ data: input, dims }, logit, { seed: 0 });
    await engine.dispose();
    await exited;
    const error = await rejection(engine.forward({ data: input, dims }));
    expect(error.code).toBe('DISPOSED');
    await engine.dispose(); // twice is fine
  });
});

describe('resources', () => {
  test('1,000 gradient calls: memory does not grow after warm-up', async () => {
    const big = convNet({ size: 224, batch: 1 });
    const bigDims = [1, 3, 224, 224];
    const data = randomInput(3 * 224 * 224, 8);
    const engine = await createEngine({
      model: big.bytes,
      backend: 'wasm',
      worker: await workerUrl(),
    });
    try {
      const call = (k: number) =>
        engine.gradient({ data, dims: bigDims }, logit, { seed: k % 5, keep: ['relu'] });
      for (let i = 0; i < 100; i++) await call(i);
      global.gc?.();
      const warm = process.memoryUsage();
      for (let i = 0; i < 1000; i++) {
        const r = await call(i);
        expect(r.gradients.image!.data.length).toBe(data.length);
      }
      global.gc?.();
      const end = process.memoryUsage();
      const rssGrowthMb = (end.rss - warm.rss) / 2 ** 20;
      const heapGrowthMb = (end.heapUsed - warm.heapUsed) / 2 ** 20;
      console.log(
        `fv-runtime memory: rss ${(warm.rss / 2 ** 20).toFixed(0)} → ${(end.rss / 2 ** 20).toFixed(0)} MiB (${rssGrowthMb.toFixed(1)}), heap growth ${heapGrowthMb.toFixed(1)} MiB over 1000 calls moving ${(((data.length * 4 * 3) / 2 ** 20) * 1000).toFixed(0)} MiB`,
      );
      // Each call moves 1.8 MiB (input, gradient, kept activation): a leak of any of them would
      // grow by gigabytes. Allow for allocator noise.
      expect(rssGrowthMb).toBeLessThan(150);
      expect(heapGrowthMb).toBeLessThan(50);
      const stats = await engine.stats();
      expect(stats.gradientModelsBuilt).toBe(1);
    } finally {
      await engine.dispose();
    }
  }, 240_000);
});

// The worker's host over the two ends of an in-process MessageChannel (comlink's own test style):
// the RPC semantics (request objects, envelopes with error codes, transfers, streamed loop
// frames, aborts by call id, one request at a time) without starting a worker.
import type { LoopFrame } from '@fv/core';
import { proxy, type Remote, releaseProxy, transfer, wrap } from 'comlink';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tinyCnnModel, tinyCnnReference } from '../../../../test/helpers/tiny-cnn.js';
import { createHost, type WorkerApi } from '../../src/worker/host.js';
import { onnxruntimeWeb } from '../../src/worker/onnxruntime-web.js';
import { serve } from '../../src/worker/serve.js';

const net = tinyCnnModel();
let channel: MessageChannel;
let api: Remote<WorkerApi>;

beforeAll(async () => {
  channel = new MessageChannel();
  // In Node both builds are onnxruntime-web's Node build (wasm).
  serve(channel.port1, createHost(onnxruntimeWeb({ wasm: () => import('onnxruntime-web/wasm') })));
  api = wrap<WorkerApi>(channel.port2);
  const loaded = await api.load(net.bytes.slice(), { backend: 'wasm' });
  expect(loaded.ok).toBe(true);
});
afterAll(async () => {
  await api.dispose();
  api[releaseProxy]();
  channel.port1.close();
  channel.port2.close();
});

const input = () => ({ data: net.input.slice(), dims: [...net.inputShape] });

describe('the host over a MessageChannel', () => {
  test('forward: a request object in, an envelope out; the input buffer is transferred', async () => {
    const x = input();
    const env = await api.forward(transfer({ callId: 1, input: x }, [x.data.buffer]));
    expect(x.data.byteLength).toBe(0);
    if (!env.ok) throw new Error(env.error.message);
    const logits = env.value.logits!;
    expect(logits.dims).toEqual([1, 5]);
    const reference = tinyCnnReference(net);
    for (let k = 0; k < 5; k++) expect(logits.data[k]).toBeCloseTo(reference[k]!, 4);
  });

  test('errors cross as envelopes with their codes', async () => {
    const unknown = await api.forward({ callId: 2, input: input(), outputs: ['nope'] });
    expect(unknown.ok || unknown.error.code).toBe('UNKNOWN_TENSOR');
    const shape = await api.forward({
      callId: 3,
      input: { data: new Float32Array(3), dims: [1, 3] },
    });
    expect(shape.ok || shape.error.code).toBe('SHAPE_MISMATCH');
    const seed = await api.gradient({
      callId: 4,
      input: input(),
      objective: { kind: 'logit', output: 'logits' },
      options: { seed: 9 },
    });
    expect(seed.ok || seed.error.code).toBe('OUT_OF_RANGE');
  });

  test('run: any registered loop, frames streamed to a proxied sink, the last before the result', async () => {
    const frames: LoopFrame[] = [];
    let settled = false;
    const env = await api.run(
      {
        callId: 5,
        request: {
          kind: 'saliency',
          image: input(),
          // Batch 1 is fixed in this model: one engine call per sample.
          options: { method: 'smoothgrad', target: 1, samples: 6 },
        },
        frameIntervalMs: 0,
      },
      proxy((frame: LoopFrame) => {
        expect(settled).toBe(false);
        frames.push(frame);
      }),
    );
    settled = true;
    if (!env.ok) throw new Error(env.error.message);
    expect(frames.map((f) => `${f.step}/${f.totalSteps}`)).toEqual(
      [1, 2, 3, 4, 5, 6].map((k) => `${k}/6`),
    );
    expect('map' in env.value && env.value.map.data.length).toBe(64);
    const unknown = await api.run({ callId: 6, request: { kind: 'nope' } as never });
    expect(unknown.ok || unknown.error.code).toBe('INVALID_ARGUMENT');
  });

  test('abort by call id stops a running loop with ABORTED; requests queue one at a time', async () => {
    const before = (await api.stats()).runs;
    const long = api.run({
      callId: 7,
      request: {
        kind: 'saliency',
        image: input(),
        options: { method: 'smoothgrad', target: 1, samples: 5000, batchSize: 1 },
      },
    });
    // Queued behind the loop: it runs once the loop has stopped.
    const queued = api.forward({ callId: 8, input: input() });
    // Abort once the loop is under way (stats answer at once; a fixed wait failed under load,
    // when the loop had not run yet).
    await expect
      .poll(async () => (await api.stats()).runs - before, { timeout: 60_000, interval: 20 })
      .toBeGreaterThan(0);
    await api.abort(7);
    const env = await long;
    expect(env.ok || env.error.code).toBe('ABORTED');
    const runs = (await api.stats()).runs - before;
    expect(runs).toBeGreaterThan(0);
    expect(runs).toBeLessThan(5000);
    expect((await queued).ok).toBe(true);
    // Aborting a finished call is a no-op.
    await api.abort(7);
    expect((await api.forward({ callId: 9, input: input() })).ok).toBe(true);
  });
});

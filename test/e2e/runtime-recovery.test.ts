// @fv/runtime in headless Chromium, two failure paths of issue #4:
// - the WebGPU device is lost while an 'auto' engine uses it (a real loss: a wrapper worker
//   destroys the GPUDevices onnxruntime made): later calls run on wasm, give wasm's numbers, and
//   engine.info says why;
// - a hosted Deep Dream (the whole loop in the worker) is aborted: the call rejects at once, the
//   worker stops sending frames, and the engine keeps working.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { maxRelative, seededInput, tinyCnnModel, tinyCnnReference } from '../helpers/tiny-cnn.js';
import {
  type ChromiumSession,
  launchChromium,
  saveConsole,
  waitForPageResult,
} from './helpers/browser.js';
import { bundleRuntime, RUNTIME_URL } from './helpers/runtime-bundle.js';
import { type StaticServer, startStaticServer } from './helpers/server.js';

/**
 * Wraps `GPUAdapter.prototype.requestDevice` to keep every device made in the worker, then starts
 * the runtime worker. A 'lose' message on the BroadcastChannel 'fv-lose-device' destroys them all
 * and answers with the `device.lost` reasons once they resolve.
 */
const loseDeviceWorker = [
  'const devices = [];',
  'const requestDevice = GPUAdapter.prototype.requestDevice;',
  'GPUAdapter.prototype.requestDevice = async function (...args) {',
  '  const device = await requestDevice.apply(this, args);',
  '  devices.push(device);',
  '  return device;',
  '};',
  "const channel = new BroadcastChannel('fv-lose-device');",
  'channel.onmessage = async () => {',
  '  for (const device of devices) device.destroy();',
  '  const infos = await Promise.all(devices.map((d) => d.lost));',
  '  channel.postMessage({ devices: devices.length, reasons: infos.map((i) => i.reason) });',
  '};',
  "await import('./worker.js');",
].join('\n');

interface Outcome<T> {
  ok?: T;
  error?: { name: string; code?: string; message: string };
  timedOut?: boolean;
  ms: number;
}
interface Info {
  backend: string;
  backendReason?: string;
}
interface DeviceLossResult {
  reference: { forward: Outcome<number[]>; gradient: Outcome<{ value: number; data: number[] }> };
  before: {
    info: Info;
    forward: Outcome<number[]>;
    gradient: Outcome<{ value: number; data: number[] }>;
  };
  loss: { devices?: number; reasons?: string[]; timedOut?: boolean };
  after: {
    info: Info;
    infoAfterForward: Info;
    changes: Info[];
    forward: Outcome<number[]>;
    gradient: Outcome<{ value: number; data: number[] }>;
    again: Outcome<number[]>;
  };
  webgpuOnly: {
    before: Outcome<number[]>;
    after: Outcome<number[]>;
    again: Outcome<unknown>;
    info: Info;
  };
}
interface DreamAbortResult {
  info: Info;
  outcome: Outcome<string>;
  abortToRejectionMs: number;
  firstFrameMs?: number;
  framesAtRejection: number;
  framesSettled: number;
  framesLater: number;
  runsSettled: number;
  runsLater: number;
  lastStep?: number;
  forward: Outcome<number[]>;
  forwardMs: number;
}

function value<T>(what: string, outcome: Outcome<T>): T {
  if (outcome.ok === undefined)
    throw new Error(`${what} did not succeed: ${JSON.stringify(outcome)}`);
  return outcome.ok;
}

const tiny = tinyCnnModel();
let server: StaticServer;
let chromium: ChromiumSession;

beforeAll(async () => {
  server = await startStaticServer({
    files: {
      ...(await bundleRuntime({ 'lose-device-worker.js': loseDeviceWorker })),
      '/__fv/tiny-cnn.onnx': { body: tiny.bytes },
    },
  });
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

async function runPage<T>(query: Record<string, string>, name: string): Promise<T> {
  const recorded = await chromium.newPage();
  const search = new URLSearchParams({
    runtime: RUNTIME_URL,
    model: '/__fv/tiny-cnn.onnx',
    input: tiny.inputName,
    output: tiny.outputName,
    dims: tiny.inputShape.join(','),
    ...query,
  });
  await recorded.page.goto(`${server.url}/test/fixtures/e2e/runtime-recovery.html?${search}`);
  const result = await waitForPageResult<T | { error: string }>(recorded, 'fvResult', 150_000);
  await saveConsole(recorded, name);
  await recorded.page.close();
  if (typeof result === 'object' && result && 'error' in result)
    throw new Error(`page failed: ${result.error}\nconsole:\n${recorded.console.join('\n')}`);
  expect(recorded.errors).toEqual([]);
  return result as T;
}

describe('@fv/runtime: WebGPU device lost during use (headless Chromium, tiny CNN)', () => {
  test("an 'auto' engine reports the loss and gives wasm's numbers on wasm afterwards", async () => {
    const r = await runPage<DeviceLossResult>(
      { scenario: 'device-loss', class: '2' },
      'runtime-device-loss',
    );
    const logits = value('wasm forward', r.reference.forward);
    const grad = value('wasm gradient', r.reference.gradient);
    expect(
      maxRelative(logits, Array.from(tinyCnnReference(tiny, seededInput(tiny.input.length, 42)))),
    ).toBeLessThan(1e-4);

    // On WebGPU before the loss, with wasm's numbers.
    expect(r.before.info.backend).toBe('webgpu');
    expect(maxRelative(value('forward before', r.before.forward), logits)).toBeLessThan(1e-4);
    expect(maxRelative(value('gradient before', r.before.gradient).data, grad.data)).toBeLessThan(
      1e-4,
    );

    // A real loss: onnxruntime's device (and the runtime's probe device) report 'destroyed'.
    expect(r.loss.timedOut).toBeUndefined();
    expect(r.loss.reasons).toContain('destroyed');

    // The first call after the loss already runs on wasm; info says what happened.
    // …and onBackendChange reported the move once, with the same info.
    expect(r.after.changes).toHaveLength(1);
    for (const info of [r.after.infoAfterForward, r.after.info, ...r.after.changes]) {
      expect(info.backend).toBe('wasm');
      expect(info.backendReason).toMatch(/WebGPU device was lost.*destroyed.*recovered onto wasm/);
    }
    expect(maxRelative(value('forward after', r.after.forward), logits)).toBeLessThan(1e-4);
    const after = value('gradient after', r.after.gradient);
    expect(after.value).toBeCloseTo(grad.value, 5);
    expect(maxRelative(after.data, grad.data)).toBeLessThan(1e-4);
    expect(maxRelative(value('forward again', r.after.again), logits)).toBeLessThan(1e-4);

    // backend 'webgpu' does not fall back: every later call says the device was lost.
    expect(
      maxRelative(value('webgpu-only forward before', r.webgpuOnly.before), logits),
    ).toBeLessThan(1e-4);
    for (const outcome of [r.webgpuOnly.after, r.webgpuOnly.again]) {
      expect(outcome.error?.code).toBe('BACKEND_UNAVAILABLE');
      expect(outcome.error?.message).toMatch(/WebGPU device was lost/);
    }
    expect(r.webgpuOnly.info.backend).toBe('webgpu');
    console.log(
      `fv-runtime device loss (ms): ${JSON.stringify({ before: r.before.forward.ms, firstAfter: r.after.forward.ms, again: r.after.again.ms })}`,
    );
  });
});

describe('@fv/runtime: hosted Deep Dream aborted (headless Chromium, tiny CNN)', () => {
  test('rejects with AbortError at once, sends no more frames, and the engine keeps working', async () => {
    const r = await runPage<DreamAbortResult>(
      { scenario: 'dream-abort', backend: 'wasm', layer: 'relu' },
      'runtime-dream-abort',
    );
    expect(r.info.backend).toBe('wasm');
    expect(r.outcome.error).toMatchObject({ name: 'AbortError', code: 'ABORTED' });
    expect(r.abortToRejectionMs).toBeLessThan(500);
    // Frames the worker sent before it saw the abort may land after the rejection: steps of this
    // tiny model take about a millisecond and every step sends a frame (frameIntervalMs 0), so a
    // few (1–5 seen, depending on load) are in flight while the abort crosses over; none come
    // later. A dream that kept going (100,000 steps) sends hundreds in that time.
    expect(r.framesAtRejection).toBeGreaterThanOrEqual(1);
    expect(r.framesSettled - r.framesAtRejection).toBeLessThanOrEqual(20);
    expect(r.framesLater).toBe(r.framesSettled);
    expect(r.runsLater).toBe(r.runsSettled);
    // The worker is free again: a forward call right after runs at once and is right.
    const reference = Array.from(tinyCnnReference(tiny, seededInput(tiny.input.length, 7)));
    expect(maxRelative(value('forward after the abort', r.forward), reference)).toBeLessThan(1e-4);
    expect(r.forwardMs).toBeLessThan(5_000);
    console.log(
      `fv-runtime hosted dream abort: ${JSON.stringify({ firstFrameMs: r.firstFrameMs, abortToRejectionMs: r.abortToRejectionMs, frames: [r.framesAtRejection, r.framesSettled, r.framesLater], forwardMs: r.forwardMs })}`,
    );
  });
});

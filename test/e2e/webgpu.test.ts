// WebGPU in headless Chromium (SwiftShader, no GPU needed): a compute shader smoke test, and
// onnxruntime-web's native WebGPU execution provider against its wasm provider, against
// onnxruntime-web in Node and against a plain TypeScript forward pass.
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { maxAbsDiff, tinyCnnModel, tinyCnnReference } from '../helpers/tiny-cnn.js';
import {
  type ChromiumSession,
  launchChromium,
  saveConsole,
  saveScreenshot,
  waitForPageResult,
} from './helpers/browser.js';
import { type StaticServer, startStaticServer } from './helpers/server.js';

const model = tinyCnnModel();
const reference = tinyCnnReference(model);
/** Largest allowed |difference| relative to the largest |logit| of the reference. */
const RELATIVE_TOLERANCE = 1e-4;
const tolerance = RELATIVE_TOLERANCE * Math.max(...reference.map(Math.abs));

let server: StaticServer;
let chromium: ChromiumSession;

beforeAll(async () => {
  server = await startStaticServer({
    files: {
      '/__fv/tiny-cnn.onnx': { body: model.bytes },
      '/__fv/tiny-cnn-input.bin': {
        body: new Uint8Array(model.input.buffer, model.input.byteOffset, model.input.byteLength),
      },
    },
  });
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

describe('WebGPU in headless Chromium', () => {
  test('gets an adapter and a device and doubles an array in a compute shader', async () => {
    const recorded = await chromium.newPage();
    await recorded.page.goto(`${server.url}/test/fixtures/e2e/webgpu-compute.html`);
    const result = await waitForPageResult<
      | { error: string }
      | {
          adapter: { vendor: string; architecture: string; features: string[] };
          input: number[];
          output: number[];
        }
    >(recorded);
    await saveScreenshot(recorded.page, 'webgpu-compute');
    await recorded.page.close();

    if ('error' in result) throw new Error(`page failed: ${result.error}`);
    expect(recorded.errors).toEqual([]);
    expect(result.adapter.vendor).not.toBe('');
    // The page's input is (i - 500) / 4 for i < 1000; doubling is exact in float32.
    const expected = Array.from({ length: 1000 }, (_, i) => ((i - 500) / 4) * 2);
    expect(result.input).toEqual(expected.map((x) => x / 2));
    expect(result.output).toEqual(expected);
  });
});

describe('onnxruntime-web: native WebGPU execution provider vs wasm', () => {
  test('the tiny CNN gives the same logits in Node (wasm) as a plain TypeScript forward pass', async () => {
    const logits = await runInNode();
    expect(logits).toHaveLength(5);
    expect(maxAbsDiff(logits, reference)).toBeLessThanOrEqual(tolerance);
    // The model is not degenerate: the logits differ from each other.
    expect(Math.max(...reference) - Math.min(...reference)).toBeGreaterThan(0.05);
  });

  test('runs every node on WebGPU and matches wasm and the Node reference', async () => {
    const recorded = await chromium.newPage();
    const query = new URLSearchParams({
      model: '/__fv/tiny-cnn.onnx',
      input: '/__fv/tiny-cnn-input.bin',
      shape: model.inputShape.join(','),
    });
    await recorded.page.goto(`${server.url}/test/fixtures/e2e/onnx-parity.html?${query}`);
    type Run = { output: number[]; dims: number[]; ms: number };
    const result = await waitForPageResult<{ error: string } | { webgpu: Run; wasm: Run }>(
      recorded,
    );
    await saveScreenshot(recorded.page, 'onnx-parity');
    await saveConsole(recorded, 'onnx-parity');
    await recorded.page.close();

    if ('error' in result) {
      throw new Error(`page failed: ${result.error}\n${recorded.console.slice(-20).join('\n')}`);
    }
    expect(recorded.errors).toEqual([]);

    // Node placement: the WebGPU session's verbose log says every node went to the GPU.
    const log = recorded.console.join('\n');
    const split = log.indexOf('fv: --- wasm session ---');
    expect(split).toBeGreaterThan(0);
    const webgpuLog = log.slice(0, split);
    const wasmLog = log.slice(split);
    expect(webgpuLog).toContain('All nodes placed on [WebGpuExecutionProvider]');
    expect(wasmLog).toContain('All nodes placed on [CPUExecutionProvider]');

    const nodeLogits = await runInNode();
    expect(result.webgpu.dims).toEqual([...model.outputShape]);
    expect(result.wasm.dims).toEqual([...model.outputShape]);
    expect(maxAbsDiff(result.webgpu.output, result.wasm.output)).toBeLessThanOrEqual(tolerance);
    expect(maxAbsDiff(result.webgpu.output, nodeLogits)).toBeLessThanOrEqual(tolerance);
    expect(maxAbsDiff(result.wasm.output, nodeLogits)).toBeLessThanOrEqual(tolerance);
    expect(maxAbsDiff(result.webgpu.output, reference)).toBeLessThanOrEqual(tolerance);
  });
});

/** The reference run: onnxruntime-web's Node build on the wasm execution provider. */
async function runInNode(): Promise<number[]> {
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(model.bytes, { executionProviders: ['wasm'] });
  try {
    const outputs = await session.run({
      [model.inputName]: new ort.Tensor('float32', model.input, [...model.inputShape]),
    });
    return Array.from(outputs[model.outputName]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

// fv's WebAssembly kernels (tools/wasm/*.wat): the committed modules are the sources compiled, and
// the Fourier parameterization gives the same bits with the WebAssembly FFT as with the
// JavaScript one (the sampling kernels are checked in sampling-kernels.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import initWabt from 'wabt';
import { createImageParameterization } from '../../src/dream/parameterization.js';
import { ensureWasmMemory, wasmKernels } from '../../src/dream/wasm.js';
import { createRng } from '../../src/random.js';

const tools = new URL('../../../../tools/wasm/', import.meta.url);
const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

it.each(readdirSync(tools).filter((f) => f.endsWith('.wat')))(
  'the committed module of %s is the source compiled (node tools/wasm/build.mjs)',
  async (file) => {
    const name = file.slice(0, -'.wat'.length);
    const generated = (await import(`../../src/dream/${name}-wasm.ts`)) as Record<string, string>;
    const module = (await initWabt()).parseWat(file, readFileSync(new URL(file, tools), 'utf8'));
    const { buffer } = module.toBinary({});
    module.destroy();
    expect(Buffer.from(buffer).toString('base64')).toBe(generated[`${name.toUpperCase()}_WASM`]);
  },
);

it('a memory that cannot grow far enough gives null (the caller runs its JavaScript loops)', () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  expect(ensureWasmMemory(memory, 65536)?.byteLength).toBe(65536);
  expect(ensureWasmMemory(memory, 2 * 65536)?.byteLength).toBe(2 * 65536);
  expect(ensureWasmMemory(memory, 2 * 65536 + 1)).toBeNull();
  expect(memory.buffer.byteLength).toBe(2 * 65536);
});

describe('the Fourier parameterization with the WebAssembly FFT', () => {
  afterAll(() => wasmKernels('auto'));

  /** Renders and back-propagates a few steps: every image and parameter gradient, as bits. */
  function run(c: number, h: number, w: number, decorrelate: boolean): Uint32Array {
    const rng = createRng(11);
    const image = createImageParameterization(c, h, w, rng, { decorrelate, sd: 0.3 });
    const out: number[] = [];
    for (let step = 0; step < 3; step++) {
      out.push(...bits(image.render()));
      const g = new Float32Array(c * h * w).map(() => rng.normal() * 1e-2);
      const dp = image.backward(g);
      out.push(...bits(dp));
      for (let i = 0; i < dp.length; i++)
        image.params[i] = (image.params[i] as number) + (dp[i] as number);
    }
    return Uint32Array.from(out);
  }

  /** Index of the first value that differs (−1: none); cheap to report, unlike a diff. */
  const firstDifference = (a: Uint32Array, b: Uint32Array) =>
    a.length !== b.length ? -2 : a.findIndex((v, i) => v !== b[i]);

  it.each([
    [3, 128, 128, true],
    [3, 16, 8, false],
    [1, 32, 64, false],
    [3, 12, 10, true],
  ] as const)(
    '%i×%i×%i (decorrelated: %s) gives the same bits as the JavaScript FFT',
    (c, h, w, d) => {
      expect(wasmKernels('auto')).toBe('wasm');
      const wasm = run(c, h, w, d);
      expect(wasmKernels('js')).toBe('js');
      expect(firstDifference(run(c, h, w, d), wasm)).toBe(-1);
    },
  );
});

// fv's WebAssembly kernels (tools/wasm/*.wat, compiled into the *-wasm.ts modules next to this
// file): the hot loops of unit visualization with the same float64 operations in the same order
// as their JavaScript twins, so the same bits, in less time. A module is compiled once and
// instantiated where needed; where WebAssembly is missing or refused (a content security policy
// without 'wasm-unsafe-eval'), `instantiateWasm` gives null and the JavaScript loops run.

/** The WebAssembly JavaScript API, where there is one (core's types name no host). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: unknown };
}

/** A module's linear memory, as its instance exports it. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

const compiled = new Map<string, object | null>();
let allowed = true;

function compile(base64: string): object | null {
  const host = globalThis as { WebAssembly?: WasmApi; atob?: (s: string) => string };
  if (!host.WebAssembly || !host.atob) return null;
  try {
    return new host.WebAssembly.Module(Uint8Array.from(host.atob(base64), (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** Whether the WebAssembly kernels are on (see {@link wasmKernels}). */
export function wasmOn(): boolean {
  return allowed;
}

/** A new instance of a module (base64), or null where WebAssembly is unavailable or off. */
export function instantiateWasm<T>(base64: string): T | null {
  if (!allowed) return null;
  let module = compiled.get(base64);
  if (module === undefined) {
    module = compile(base64);
    compiled.set(base64, module);
  }
  if (!module) return null;
  try {
    return new (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly.Instance(module)
      .exports as T;
  } catch {
    return null;
  }
}

/**
 * Which loops run: `'wasm'` where WebAssembly is available, else `'js'`. Passing `'js'` turns the
 * WebAssembly kernels off (for kernels set up from then on), `'auto'` back on: for tests that
 * compare the two. @internal
 */
export function wasmKernels(use?: 'js' | 'auto'): 'wasm' | 'js' {
  if (use) allowed = use === 'auto';
  return instantiateWasm<object>(PROBE) ? 'wasm' : 'js';
}

/** The smallest module (magic number and version): whether WebAssembly runs here at all. */
const PROBE = 'AGFzbQEAAAA=';

/**
 * Grows `memory` to at least `bytes`; null where it cannot grow that far (the engine's limit, or
 * no memory left), so that the caller runs its JavaScript loops instead.
 */
export function ensureWasmMemory(memory: WasmMemory, bytes: number): ArrayBuffer | null {
  const short = bytes - memory.buffer.byteLength;
  if (short > 0) {
    try {
      memory.grow(Math.ceil(short / 65536));
    } catch {
      return null;
    }
  }
  return memory.buffer;
}

// onnxruntime-web as a backend provider: WebGPU (`onnxruntime-web/webgpu`, the native provider)
// and wasm (`onnxruntime-web/wasm`; onnxruntime-web's Node build in Node), set up in one place.
// The worker entries (src/worker.ts, src/wasm-worker.ts) pass the builds they ship: a bundler emits
// every build an entry imports, so the wasm-only entry must not name the WebGPU one.
import { FvError } from '@fv/core';
import type * as OrtModule from 'onnxruntime-web';
import { isNode } from '../shared/environment.js';
import { fromOnnxruntime, toFvError } from '../shared/errors.js';
import type { LoadSettings, WireTensor } from '../shared/protocol.js';
import { ownedCopy } from '../shared/transfer.js';
import type { Backend, BackendProvider, BackendSession, ExecutionBackend } from './backend.js';

export type Ort = typeof OrtModule;

/**
 * The onnxruntime-web builds a worker entry ships, as imports (`() => import('onnxruntime-web/wasm')`).
 * Without `webgpu`, WebGPU is unavailable (`auto` uses wasm, `webgpu` fails with
 * `BACKEND_UNAVAILABLE`).
 */
export interface OrtBuilds {
  readonly wasm: () => Promise<unknown>;
  readonly webgpu?: () => Promise<unknown>;
}

// A specifier in a variable: bundlers must not pull onnxruntime's Node build into browser bundles.
const ORT_NODE = 'onnxruntime-web';

async function importOrt(builds: OrtBuilds, kind: ExecutionBackend): Promise<Ort> {
  if (isNode) return (await import(/* webpackIgnore: true */ /* @vite-ignore */ ORT_NODE)) as Ort;
  const load = kind === 'webgpu' ? builds.webgpu : builds.wasm;
  if (!load) throw new FvError('BACKEND_UNAVAILABLE', NO_WEBGPU_BUILD);
  return (await load()) as Ort;
}

const NO_WEBGPU_BUILD =
  "this worker ships onnxruntime-web's wasm build only (@fv/runtime/wasm); import @fv/runtime for WebGPU";

/** onnxruntime's environment for these settings (threads, where its files are). */
function configure(ort: Ort, settings: LoadSettings): void {
  if (settings.numThreads !== undefined) ort.env.wasm.numThreads = settings.numThreads;
  else if (isNode) ort.env.wasm.numThreads = 1;
  if (settings.wasmPaths !== undefined)
    ort.env.wasm.wasmPaths = settings.wasmPaths as OrtModule.Env.WasmPrefixOrFilePaths;
}

/** Why WebGPU cannot be used here, or `undefined` when an adapter and a device can be had. */
async function probeWebGpu(): Promise<string | undefined> {
  if (isNode) return 'WebGPU is not available in Node (onnxruntime-web runs on wasm there)';
  type Gpu = {
    requestAdapter(): Promise<{ requestDevice(): Promise<{ destroy(): void }> } | null>;
  };
  const gpu = (globalThis.navigator as { gpu?: Gpu } | undefined)?.gpu;
  if (!gpu) return 'navigator.gpu is missing (this browser or context has no WebGPU)';
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'navigator.gpu.requestAdapter() returned no adapter';
    const device = await adapter.requestDevice();
    device.destroy();
    return undefined;
  } catch (error) {
    return `WebGPU adapter or device request failed: ${(error as Error).message ?? String(error)}`;
  }
}

function toFloat32(data: unknown): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array)
    return Float32Array.from(data, (v) => Number(v));
  if (ArrayBuffer.isView(data)) return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new FvError('INVALID_ARGUMENT', 'Output tensor is not numeric');
}

function session(ort: Ort, s: OrtModule.InferenceSession): BackendSession {
  return {
    inputShape(name) {
      const meta = s.inputMetadata.find((m) => m.name === name);
      return meta?.isTensor ? meta.shape : undefined;
    },
    async run(feeds, fetches) {
      const ortFeeds: Record<string, OrtModule.Tensor> = {};
      for (const [name, t] of Object.entries(feeds))
        ortFeeds[name] = new ort.Tensor('float32', t.data, t.dims);
      let results: OrtModule.InferenceSession.ReturnType;
      try {
        results = await s.run(ortFeeds, [...fetches]);
      } catch (error) {
        throw fromOnnxruntime(toFvError(error));
      } finally {
        for (const t of Object.values(ortFeeds)) t.dispose();
      }
      const out: Record<string, WireTensor> = {};
      for (const name of fetches) {
        const t = results[name];
        if (!t) throw new FvError('UNKNOWN_TENSOR', `onnxruntime returned no tensor '${name}'`);
        const data = t.location === 'cpu' ? t.data : await t.getData(true);
        out[name] = { data: ownedCopy(toFloat32(data)), dims: [...t.dims] };
      }
      for (const t of Object.values(results)) t.dispose();
      return out;
    },
    release: () => s.release(),
  };
}

/**
 * Watches the GPUDevice onnxruntime made (`ort.env.webgpu.device`) for a loss while `inUse()`
 * (releasing the last WebGPU session destroys the device too: only a loss in use counts).
 */
function watchDevice(ort: Ort, inUse: () => boolean): () => string | undefined {
  let lost: string | undefined;
  type Lost = { reason?: string; message?: string };
  // onnxruntime-web 1.30 stores the GPUDevice itself here, though its typings say Promise<GPUDevice>.
  const device = ort.env.webgpu?.device as unknown as
    | { lost?: Promise<Lost> }
    | Promise<{ lost?: Promise<Lost> } | undefined>
    | undefined;
  Promise.resolve(device)
    .then((d) => d?.lost)
    .then(
      (info) => {
        if (info && inUse()) lost = `${info.reason ?? 'unknown'}: ${info.message ?? ''}`;
      },
      () => undefined,
    );
  return () => lost;
}

/** onnxruntime-web's backends, from the builds a worker entry ships. */
export const onnxruntimeWeb = (builds: OrtBuilds): BackendProvider => ({
  unavailable: (kind) => {
    if (kind !== 'webgpu') return Promise.resolve(undefined);
    return !isNode && !builds.webgpu ? Promise.resolve(NO_WEBGPU_BUILD) : probeWebGpu();
  },
  async open(kind, settings) {
    const ort = await importOrt(builds, kind);
    configure(ort, settings);
    let sessions = 0;
    let lost: (() => string | undefined) | undefined;
    const backend: Backend = {
      kind,
      async createSession(bytes, fallback) {
        let s: OrtModule.InferenceSession;
        try {
          s = await ort.InferenceSession.create(bytes, {
            executionProviders: [kind],
            graphOptimizationLevel: 'all',
          });
        } catch (error) {
          throw fromOnnxruntime(toFvError(error, fallback));
        }
        sessions++;
        if (kind === 'webgpu') lost ??= watchDevice(ort, () => sessions > 0);
        const wrapped = session(ort, s);
        return {
          ...wrapped,
          release: async () => {
            sessions--;
            await wrapped.release();
          },
        };
      },
      lost: () => lost?.(),
    };
    return backend;
  },
});

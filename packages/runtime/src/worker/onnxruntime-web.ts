// onnxruntime-web as a backend provider: WebGPU (`onnxruntime-web/webgpu`, the native provider)
// and wasm (`onnxruntime-web/wasm`; onnxruntime-web's Node build in Node), set up in one place.
// The worker entries (src/worker.ts, src/wasm-worker.ts) pass the builds they ship: a bundler emits
// every build an entry imports, so the wasm-only entry must not name the WebGPU one.
import { FvError } from '@fv/core';
import type * as OrtModule from 'onnxruntime-web';
import { isNode } from '../shared/environment.js';
import { fromOnnxruntime, toFvError } from '../shared/errors.js';
import type { LoadSettings } from '../shared/protocol.js';
import type { Backend, BackendProvider, ExecutionBackend, GradientTuning } from './backend.js';
import { ortSession } from './ort-session.js';

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

/**
 * How gradient graphs are built for onnxruntime-web, as measured by `pnpm bench`: ConvTranspose for
 * every convolution's input gradient (flipped-weight convolutions were no faster on wasm and cost
 * a copy of the weights; WebGPU runs both alike).
 */
export const WEB_GRADIENT_TUNING: GradientTuning = { precomputeWeights: false };

/** onnxruntime-web's WebGPU and wasm backends, from the builds a worker entry ships. */
export const onnxruntimeWeb = (builds: OrtBuilds): BackendProvider => ({
  auto: ['webgpu', 'wasm'],
  unavailable: (kind) => {
    if (kind === 'wasm') return Promise.resolve(undefined);
    if (kind !== 'webgpu') {
      return Promise.resolve(
        `onnxruntime-web has no '${kind}' backend (the native backend is in @fv/runtime's worker, not @fv/runtime/wasm's)`,
      );
    }
    return !isNode && !builds.webgpu ? Promise.resolve(NO_WEBGPU_BUILD) : probeWebGpu();
  },
  async open(kind, settings) {
    const ort = await importOrt(builds, kind);
    configure(ort, settings);
    let sessions = 0;
    let lost: (() => string | undefined) | undefined;
    const backend: Backend = {
      kind,
      description:
        kind === 'webgpu'
          ? 'WebGPU adapter and device available (onnxruntime-web)'
          : `onnxruntime-web ${ort.env.versions?.web ?? ''} wasm`,
      gradientTuning: WEB_GRADIENT_TUNING,
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
        const wrapped = ortSession(ort, s);
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

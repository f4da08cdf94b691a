// onnxruntime-node as a backend provider: its CPU execution provider (`native`), in Node only.
// `onnxruntime-node` is an optional peer dependency: it is imported on first use through a
// specifier in a variable, so that bundlers never pull it (or its native binaries) into browser
// builds, and a missing or broken install is a reason to use wasm, not an error, under `auto`.
import { FvError } from '@fv/core';
import type * as OrtModule from 'onnxruntime-web';
import { isNode } from '../shared/environment.js';
import { fromOnnxruntime, toFvError } from '../shared/errors.js';
import type { LoadSettings } from '../shared/protocol.js';
import type { Backend, BackendProvider, GradientTuning } from './backend.js';
import { type Ort, ortSession } from './ort-session.js';

/** The package; `FV_ONNXRUNTIME_NODE` names another module or file (a custom build). */
const PACKAGE = 'onnxruntime-node';

/**
 * How gradient graphs are built for onnxruntime-node's CPU provider, as measured by `pnpm bench`
 * (bench/autodiff.mjs, "native" rows) and broken down per op by bench/profile-gradient.mjs:
 * convolution input gradients (stride 1, and strided depthwise ones) as convolutions with flipped
 * weights, which its NCHWc convolution kernels run, rather than ConvTranspose; Relu/Clip masks as
 * 1×1 depthwise Convs with fused activations + Mul, which keep the backward pass in the NCHWc
 * layout (no reorders around masks).
 */
export const NATIVE_GRADIENT_TUNING: GradientTuning = { precomputeWeights: true, convMasks: true };

function environment(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[
    name
  ];
}

/** The specifier to import: the package, or `FV_ONNXRUNTIME_NODE` (a path becomes a file URL). */
async function specifier(): Promise<string> {
  const chosen = environment('FV_ONNXRUNTIME_NODE') || PACKAGE;
  if (!/^(\.{0,2}\/|[A-Za-z]:[\\/])/.test(chosen)) return chosen;
  const nodeUrl = 'node:url';
  const nodePath = 'node:path';
  const [{ pathToFileURL }, { resolve }] = await Promise.all([
    import(/* webpackIgnore: true */ /* @vite-ignore */ nodeUrl) as Promise<
      typeof import('node:url')
    >,
    import(/* webpackIgnore: true */ /* @vite-ignore */ nodePath) as Promise<
      typeof import('node:path')
    >,
  ]);
  return pathToFileURL(resolve(chosen)).href;
}

let loading: Promise<Ort> | undefined;

/** onnxruntime-node, imported once (a CommonJS package: its API may sit on `default`). */
function importNative(): Promise<Ort> {
  loading ??= (async () => {
    const spec = await specifier();
    const module = (await import(/* webpackIgnore: true */ /* @vite-ignore */ spec)) as Partial<
      Ort & { default: Ort }
    >;
    const ort = module.InferenceSession ? (module as Ort) : module.default;
    if (!ort?.InferenceSession || !ort.Tensor) {
      throw new Error(`'${spec}' does not export onnxruntime's InferenceSession and Tensor`);
    }
    return ort;
  })();
  return loading;
}

/** Why onnxruntime-node cannot be used here, or `undefined` once it is loaded. */
async function probeNative(): Promise<string | undefined> {
  if (!isNode) return 'onnxruntime-node runs only in Node';
  try {
    await importNative();
    return undefined;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const first = String(e?.message ?? error).split('\n')[0];
    return e?.code === 'ERR_MODULE_NOT_FOUND' && !environment('FV_ONNXRUNTIME_NODE')
      ? `onnxruntime-node is not installed (${first})`
      : `onnxruntime-node could not be loaded: ${first}`;
  }
}

/**
 * The session options of every native session (forward, gradient, hosted loops): onnxruntime's
 * CPU provider, all graph optimizations, one operator at a time on `numThreads` intra-op threads
 * (onnxruntime's default when undefined: one per physical core). Exported for the benchmarks.
 *
 * Each session has its own intra-op thread pool, and an engine keeps several sessions (forward,
 * gradient, …) whose runs alternate. onnxruntime's pool threads spin-wait after every parallel
 * section, for milliseconds after a run has returned, so the idle session's threads took the cores
 * the next session's run needed: with 2 threads on 2 cores, MobileNetV2's forward and gradient ran
 * in 10–16 and 32 ms alternating, against 4.4 and 16.5 ms with `session.force_spinning_stop`,
 * which keeps spinning inside a run (faster than no spinning at all: gradient 19 ms) and stops it
 * when the run returns (bench/native-threads.mjs, issue 18's notes).
 */
export function nativeSessionOptions(
  numThreads: number | undefined,
): OrtModule.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    interOpNumThreads: 1,
    ...(numThreads !== undefined ? { intraOpNumThreads: numThreads } : {}),
    // Warnings (unused initializers, …) would land on the user's terminal: errors only.
    logSeverityLevel: 3,
    extra: { session: { force_spinning_stop: '1' } },
  };
}

/** onnxruntime-node's CPU execution provider. */
export const onnxruntimeNode: BackendProvider = {
  auto: ['native'],
  unavailable: async (kind) =>
    kind === 'native' ? probeNative() : `onnxruntime-node has no '${kind}' backend in fv`,
  async open(kind, settings: LoadSettings) {
    const why = await onnxruntimeNode.unavailable(kind);
    if (why) throw new FvError('BACKEND_UNAVAILABLE', why);
    const ort = await importNative();
    const options = nativeSessionOptions(settings.numThreads);
    const backend: Backend = {
      kind: 'native',
      description: `onnxruntime-node ${ort.env.versions?.node ?? ''} (CPU execution provider, ${settings.numThreads ?? 'one thread per physical core'}${settings.numThreads === 1 ? ' thread' : settings.numThreads ? ' threads' : ''})`,
      gradientTuning: NATIVE_GRADIENT_TUNING,
      async createSession(bytes, fallback) {
        try {
          return ortSession(ort, await ort.InferenceSession.create(bytes, options));
        } catch (error) {
          throw fromOnnxruntime(toFvError(error, fallback));
        }
      },
      lost: () => undefined,
    };
    return backend;
  },
};

// Recovery from WebGPU failures in use: under `backend: 'auto'`, when onnxruntime fails on WebGPU
// (a lost device, a kernel that fails at run time) the model moves onto wasm, `info` says so, and
// the call runs again. Once the device is known lost, the move comes first; under
// `backend: 'webgpu'` a loss is an error.
import { FvError } from '@fv/core';
import { isOnnxruntimeError } from '../shared/errors.js';
import type { LoadSettings } from '../shared/protocol.js';
import type { BackendProvider } from './backend.js';
import { type Counters, type LoadedModel, loadedModel, openBase } from './model.js';

/** What recovery needs from the host. */
export interface RecoveryContext {
  readonly provider: BackendProvider;
  readonly settings: LoadSettings;
  readonly counters: Counters;
  /** The model now loaded (throws when none is). */
  model(): LoadedModel;
  /** Makes `next` the loaded model (the old one is released) and marks the info as changed. */
  replace(next: LoadedModel): Promise<void>;
}

export async function withRecovery<T>(
  ctx: RecoveryContext,
  task: (model: LoadedModel) => Promise<T>,
): Promise<T> {
  const model = ctx.model();
  const { backend } = model;
  const onGpu = backend.kind === 'webgpu';
  const auto = ctx.settings.backend === 'auto';
  const lostBefore = onGpu ? backend.lost() : undefined;
  if (lostBefore && !auto) {
    throw new FvError(
      'BACKEND_UNAVAILABLE',
      `The WebGPU device was lost (${lostBefore}); backend 'webgpu' does not fall back: create a new engine, or use backend 'auto'`,
    );
  }
  let failure: string | undefined;
  if (!lostBefore) {
    try {
      return await task(model);
    } catch (error) {
      if (!isOnnxruntimeError(error) || !onGpu || !auto) throw error;
      failure = error.message;
    }
  }
  const lost = backend.lost();
  const what = lost
    ? `The WebGPU device was lost during use (${lost})`
    : `WebGPU failed during use (${failure})`;
  // The wasm session first: if it cannot be had, the model stays loaded (a later call retries)
  // instead of leaving the worker with no model at all.
  let next: LoadedModel;
  try {
    const wasm = await ctx.provider.open('wasm', ctx.settings);
    const base = await openBase(wasm, model.bytes, model.summary, ctx.counters);
    next = loadedModel(
      wasm,
      model.bytes,
      model.summary,
      {
        ...model.info,
        backend: 'wasm',
        backendReason: lost
          ? `the WebGPU device was lost during use (${lost}), recovered onto wasm`
          : `WebGPU failed during use, recovered onto wasm: ${failure}`,
      },
      base,
      ctx.counters,
    );
  } catch (error) {
    throw new FvError(
      'BACKEND_UNAVAILABLE',
      `${what}, and moving onto wasm failed: ${(error as Error).message}`,
    );
  }
  await ctx.replace(next);
  return task(next);
}

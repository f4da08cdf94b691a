// `createEngine` of the `@fv/runtime/wasm` entry: the worker ships onnxruntime-web's wasm build
// only, so an app that never uses WebGPU deploys one onnxruntime wasm file instead of two. Only
// src/wasm.ts imports this module: the URLs are relative to dist/wasm.js (see create-engine.ts).
import { type CreateEngineOptions, type RuntimeEngine, startEngine } from './engine.js';

/**
 * `@fv/runtime`'s `createEngine` with onnxruntime-web's wasm build only: `backend: 'auto'` runs on
 * wasm, `backend: 'webgpu'` fails with `BACKEND_UNAVAILABLE`. Same options, same engine.
 *
 * @example
 * import { createEngine } from '@fv/runtime/wasm';
 * const engine = await createEngine({ model: '/models/mobilenet_v2.onnx' });
 */
export function createEngine(options: CreateEngineOptions): Promise<RuntimeEngine> {
  return startEngine(options, {
    browser: () => new Worker(new URL('./wasm-worker.js', import.meta.url), { type: 'module' }),
    node: () =>
      new URL(/* webpackIgnore: true */ /* @vite-ignore */ './wasm-worker.js', import.meta.url),
  });
}

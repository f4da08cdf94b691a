// `createEngine` of the `@fv/runtime` entry, with onnxruntime-web's WebGPU and wasm builds.
// Only src/index.ts imports this module, so the build inlines it into dist/index.js and the worker
// URLs below are relative to that file: dist/worker.js. Bundlers turn the browser one into a
// worker chunk; the Node one is hidden from them (it is only used in Node, unbundled).
import { type CreateEngineOptions, type RuntimeEngine, startEngine } from './engine.js';

/**
 * Starts a worker, loads the model there and returns an engine implementing `@fv/core`'s `Engine`:
 * WebGPU when it can (`backend: 'auto'`), else wasm.
 *
 * @example
 * const engine = await createEngine({ model: '/models/mobilenet_v2.onnx', backend: 'auto' });
 * const { logits } = await engine.forward(input);
 * const { gradients } = await engine.gradient(input, { kind: 'logit', output: 'logits' }, { seed: 281 });
 * await engine.dispose();
 */
export function createEngine(options: CreateEngineOptions): Promise<RuntimeEngine> {
  return startEngine(options, {
    browser: () => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }),
    node: () =>
      new URL(/* webpackIgnore: true */ /* @vite-ignore */ './worker.js', import.meta.url),
  });
}

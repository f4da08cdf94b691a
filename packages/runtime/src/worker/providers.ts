// The native backend (onnxruntime-node's CPU provider) beside onnxruntime-web's, for the Node
// worker (`@fv/runtime/worker`, src/worker.ts): it lives in a Node-only module that the worker
// entry loads on first use (`loadNative`) so that browser bundles never contain it; the wasm-only
// entry does not use this at all. `auto` prefers the fast backend of where the code runs: native in
// Node, WebGPU in browsers; wasm is the fallback everywhere.
import { isNode } from '../shared/environment.js';
import type { BackendProvider } from './backend.js';

/** Loads the native backend's provider (`dist/native.js`, Node only). */
export type NativeLoader = () => Promise<BackendProvider>;

/** `web` (onnxruntime-web's builds) with the native backend that `loadNative` loads in Node. */
export function withNative(web: BackendProvider, loadNative: NativeLoader): BackendProvider {
  let native: Promise<BackendProvider> | undefined;
  const nativeProvider = (): Promise<BackendProvider> => {
    native ??= (async () => {
      if (!isNode) throw new Error("backend 'native' runs only in Node");
      try {
        return await loadNative();
      } catch (error) {
        throw new Error(
          `the native backend's module could not be loaded: ${(error as Error).message}`,
        );
      }
    })();
    return native;
  };
  return {
    auto: isNode ? ['native', 'wasm'] : web.auto,
    async unavailable(kind) {
      if (kind !== 'native') return web.unavailable(kind);
      try {
        return await (await nativeProvider()).unavailable(kind);
      } catch (error) {
        return (error as Error).message;
      }
    },
    async open(kind, settings) {
      return kind === 'native'
        ? (await nativeProvider()).open(kind, settings)
        : web.open(kind, settings);
    },
  };
}

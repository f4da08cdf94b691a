// @fv/runtime's public surface (the client side; the worker is `@fv/runtime/worker`). The
// `@fv/runtime/wasm` entry (src/wasm.ts) is the same surface with a wasm-only worker.
export { createEngine } from './client/create-engine.js';
export * from './client/surface.js';

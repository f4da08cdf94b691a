// The `@fv/runtime/wasm` entry: @fv/runtime's surface (src/index.ts) with a worker that ships
// onnxruntime-web's wasm build only (`@fv/runtime/wasm/worker`), so bundlers emit one onnxruntime
// wasm file. WebGPU is unavailable through it.
export { createEngine } from './client/create-wasm-engine.js';
export * from './client/surface.js';

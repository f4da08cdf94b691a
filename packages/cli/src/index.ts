export { createProgram, main } from './main.js';
export type { SidecarConfig } from './model.js';
export { sidecarPaths } from './model.js';
export type { NpyArray } from './npy.js';
export { readNpy, writeNpy } from './npy.js';

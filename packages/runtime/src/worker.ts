// Worker entry: a browser module worker (`new Worker(new URL('./worker.js', import.meta.url),
// { type: 'module' })`) or a Node `worker_threads` worker. Both expose the same host via comlink.
import type { Endpoint } from 'comlink';
import { serve } from './host.js';
import { announceReady } from './protocol.js';

export type { WorkerApi } from './host.js';

const isNode =
  typeof process !== 'undefined' && typeof process.versions === 'object' && !!process.versions.node;

if (isNode) {
  // Specifiers in variables so that browser bundlers leave Node's modules alone.
  const workerThreads = 'node:worker_threads';
  const nodeAdapter = 'comlink/dist/esm/node-adapter.mjs';
  const { parentPort } = (await import(
    /* webpackIgnore: true */ /* @vite-ignore */ workerThreads
  )) as typeof import('node:worker_threads');
  const { default: nodeEndpoint } = (await import(
    /* webpackIgnore: true */ /* @vite-ignore */ nodeAdapter
  )) as { default: (port: unknown) => Endpoint };
  if (!parentPort) throw new Error('@fv/runtime worker: not running in a worker thread');
  const endpoint = nodeEndpoint(parentPort);
  serve(endpoint);
  announceReady(endpoint);
} else {
  const endpoint = globalThis as unknown as Endpoint;
  serve(endpoint);
  announceReady(endpoint);
}

// Starting the worker: a browser module worker or a Node `worker_threads` worker, both exposing
// the host through comlink. No top-level await (bundlers build workers as classic scripts).
import type { Endpoint } from 'comlink';
import { isNode } from '../shared/environment.js';
import { PING, READY } from '../shared/protocol.js';
import type { BackendProvider } from './backend.js';
import { createHost } from './host.js';
import { serve } from './serve.js';

/** Answers the client's pings and announces readiness once (see shared/protocol.ts). */
function announceReady(endpoint: Endpoint): void {
  endpoint.addEventListener('message', ((event: { data?: unknown }) => {
    if (event.data === PING) endpoint.postMessage(READY);
  }) as never);
  endpoint.postMessage(READY);
}

function start(endpoint: Endpoint, provider: BackendProvider): void {
  serve(endpoint, createHost(provider));
  announceReady(endpoint);
}

/** Serves a host over `provider` on this worker's endpoint (`self`, or `parentPort` in Node). */
export function startWorker(provider: BackendProvider): void {
  if (isNode) startNodeWorker(provider);
  else start(globalThis as unknown as Endpoint, provider);
}

function startNodeWorker(provider: BackendProvider): void {
  // Specifiers in variables so that browser bundlers leave Node's modules alone.
  const workerThreads = 'node:worker_threads';
  const nodeAdapter = 'comlink/dist/esm/node-adapter.mjs';
  // Pending imports keep no Node thread alive: hold it until the port listens.
  const hold = setInterval(() => undefined, 60_000);
  Promise.all([
    import(/* webpackIgnore: true */ /* @vite-ignore */ workerThreads) as Promise<
      typeof import('node:worker_threads')
    >,
    import(/* webpackIgnore: true */ /* @vite-ignore */ nodeAdapter) as Promise<{
      default: (port: unknown) => Endpoint;
    }>,
  ]).then(([{ parentPort }, { default: nodeEndpoint }]) => {
    clearInterval(hold);
    if (!parentPort) throw new Error('@fv/runtime worker: not running in a worker thread');
    start(nodeEndpoint(parentPort), provider);
  });
}

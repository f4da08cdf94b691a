// Exposing a host over comlink, with results and frames transferred rather than copied.
import { type Endpoint, expose, releaseProxy, transfer } from 'comlink';
import type { Envelope } from '../shared/protocol.js';
import { transferables } from '../shared/transfer.js';
import type { FrameSink, WorkerApi } from './host.js';

/** The envelope with the buffers of its value transferred. */
function transferred<T>(envelope: Envelope<T>): Envelope<T> {
  return envelope.ok ? transfer(envelope, transferables(envelope.value)) : envelope;
}

/** Closes the port of a comlink-proxied callback (a no-op for plain functions). */
function release(callback: FrameSink | undefined): void {
  const close = (callback as { [releaseProxy]?: () => void } | undefined)?.[releaseProxy];
  if (typeof close === 'function') close();
}

/**
 * Exposes a host on a comlink endpoint (the worker's `self`, a Node `parentPort` through comlink's
 * Node adapter, or a `MessagePort`).
 */
export function serve(endpoint: Endpoint, host: WorkerApi): void {
  const api: WorkerApi = {
    ...host,
    forward: async (call) => transferred(await host.forward(call)),
    gradient: async (call) => transferred(await host.gradient(call)),
    run: async (call, sink) => {
      const frames: FrameSink | undefined =
        sink && ((frame) => sink(transfer(frame, transferables(frame))));
      try {
        return transferred(await host.run(call, frames));
      } finally {
        release(sink);
      }
    },
  };
  expose(api, endpoint);
}

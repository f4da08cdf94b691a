// Starting the worker the engine talks to: a browser module worker or a Node `worker_threads`
// worker, given by the caller or the package's own.
import type { Endpoint } from 'comlink';
import { PING, READY } from '../shared/protocol.js';

/** A Node `worker_threads` worker, structurally (so browser builds need no Node types). */
export interface NodeWorkerLike {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  terminate(): Promise<number>;
  ref(): void;
  unref(): void;
}

/** Which worker to start (see `CreateEngineOptions.worker`). */
export type WorkerOption = Worker | NodeWorkerLike | URL | string | undefined;

/** A started worker: its endpoint, crash reports and lifetime. */
export interface WorkerHandle {
  readonly endpoint: Endpoint;
  onCrash(listener: (message: string) => void): void;
  terminate(): Promise<void>;
  ref(): void;
  unref(): void;
}

function isNodeWorker(value: unknown): value is NodeWorkerLike {
  return typeof value === 'object' && value !== null && 'on' in value && 'terminate' in value;
}

export async function startNodeWorker(option: WorkerOption): Promise<WorkerHandle> {
  const workerThreads = 'node:worker_threads';
  const nodeAdapter = 'comlink/dist/esm/node-adapter.mjs';
  const { Worker } = (await import(
    /* webpackIgnore: true */ /* @vite-ignore */ workerThreads
  )) as typeof import('node:worker_threads');
  const { default: nodeEndpoint } = (await import(
    /* webpackIgnore: true */ /* @vite-ignore */ nodeAdapter
  )) as { default: (port: unknown) => Endpoint };
  const file = './worker.js';
  const worker: NodeWorkerLike = isNodeWorker(option)
    ? option
    : (new Worker(
        option === undefined ? new URL(file, import.meta.url) : new URL(String(option)),
      ) as unknown as NodeWorkerLike);
  let listener: ((message: string) => void) | undefined;
  let exiting = false;
  worker.on('error', ((error: Error) => listener?.(`worker error: ${error.message}`)) as never);
  worker.on('exit', ((code: number) => {
    if (!exiting) listener?.(`worker exited with code ${code}`);
  }) as never);
  return {
    endpoint: nodeEndpoint(worker),
    onCrash: (l) => {
      listener = l;
    },
    async terminate() {
      exiting = true;
      await worker.terminate();
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

export function startBrowserWorker(option: WorkerOption): WorkerHandle {
  const worker =
    option === undefined
      ? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })
      : option instanceof Worker
        ? option
        : new Worker(option as URL | string, { type: 'module' });
  let listener: ((message: string) => void) | undefined;
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    listener?.(`worker error: ${event.message || 'the worker failed to start or threw'}`);
  });
  return {
    endpoint: worker,
    onCrash: (l) => {
      listener = l;
    },
    async terminate() {
      worker.terminate();
    },
    ref: () => undefined,
    unref: () => undefined,
  };
}

/** Resolves when the worker is ready (pinging until it answers); `cancel` stops pinging. */
export function waitForReady(endpoint: Endpoint): { ready: Promise<void>; cancel(): void } {
  type Message = { data?: unknown };
  let timer: ReturnType<typeof setInterval> | undefined;
  let listener: ((event: Message) => void) | undefined;
  const cancel = () => {
    if (timer !== undefined) clearInterval(timer);
    if (listener) endpoint.removeEventListener('message', listener as never);
    timer = undefined;
    listener = undefined;
  };
  const ready = new Promise<void>((resolve) => {
    listener = (event) => {
      if (event.data !== READY) return;
      cancel();
      resolve();
    };
    endpoint.addEventListener('message', listener as never);
    endpoint.start?.();
    const ping = () => endpoint.postMessage(PING);
    ping();
    timer = setInterval(ping, 50);
    (timer as { unref?: () => void }).unref?.();
  });
  return { ready, cancel };
}

// Starting the worker the engine talks to: a browser module worker or a Node `worker_threads`
// worker, given by the caller or the package's own.
import { FvError } from '@fv/core';
import type { Endpoint } from 'comlink';
import { PING, READY } from '../shared/protocol.js';

/**
 * A browser `Worker` where the DOM lib is loaded; `never` elsewhere, so that Node projects without
 * the DOM lib type-check these declarations (`skipLibCheck: false`).
 */
export type WebWorker = typeof globalThis extends { Worker: { prototype: infer T } } ? T : never;

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
export type WorkerOption = WebWorker | NodeWorkerLike | URL | string | undefined;

/**
 * How an entry point starts its own worker when the caller gives none: each entry names its worker
 * file in the literal `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })` that
 * bundlers turn into a worker chunk, and the same file for Node.
 */
export interface DefaultWorker {
  browser(): Worker;
  node(): URL;
}

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

export async function startNodeWorker(
  option: WorkerOption,
  defaults: DefaultWorker,
): Promise<WorkerHandle> {
  const workerThreads = 'node:worker_threads';
  const nodeAdapter = 'comlink/dist/esm/node-adapter.mjs';
  const { Worker } = (await import(
    /* webpackIgnore: true */ /* @vite-ignore */ workerThreads
  )) as typeof import('node:worker_threads');
  const { default: nodeEndpoint } = (await import(
    /* webpackIgnore: true */ /* @vite-ignore */ nodeAdapter
  )) as { default: (port: unknown) => Endpoint };
  const worker: NodeWorkerLike = isNodeWorker(option)
    ? option
    : (new Worker(
        option === undefined ? defaults.node() : new URL(String(option)),
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

export function startBrowserWorker(option: WorkerOption, defaults: DefaultWorker): WorkerHandle {
  const worker =
    option === undefined
      ? defaults.browser()
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

/** Default of `CreateEngineOptions.workerTimeoutMs`. */
export const WORKER_TIMEOUT_MS = 30_000;

/**
 * Resolves when the worker is ready (pinging until it answers); rejects with `WORKER_TIMEOUT` when
 * it has not answered after `timeoutMs`. `cancel` stops pinging and waiting (no timer is left).
 */
export function waitForReady(
  endpoint: Endpoint,
  timeoutMs: number = WORKER_TIMEOUT_MS,
): { ready: Promise<void>; cancel(): void } {
  type Message = { data?: unknown };
  type Timer = ReturnType<typeof setTimeout> & { unref?: () => void };
  let pinger: Timer | undefined;
  let deadline: Timer | undefined;
  let listener: ((event: Message) => void) | undefined;
  const cancel = () => {
    if (pinger !== undefined) clearInterval(pinger);
    if (deadline !== undefined) clearTimeout(deadline);
    if (listener) endpoint.removeEventListener('message', listener as never);
    pinger = undefined;
    deadline = undefined;
    listener = undefined;
  };
  const ready = new Promise<void>((resolve, reject) => {
    listener = (event) => {
      if (event.data !== READY) return;
      cancel();
      resolve();
    };
    endpoint.addEventListener('message', listener as never);
    endpoint.start?.();
    const ping = () => endpoint.postMessage(PING);
    ping();
    pinger = setInterval(ping, 50) as Timer;
    pinger.unref?.();
    deadline = setTimeout(() => {
      cancel();
      reject(
        new FvError(
          'WORKER_TIMEOUT',
          `The @fv/runtime worker did not answer within ${timeoutMs} ms: is the worker file one that ` +
            "runs @fv/runtime's worker (import '@fv/runtime/worker'), and did the bundler emit it? " +
            '(a package.json "sideEffects" setting can drop it; workerTimeoutMs sets the wait)',
          { timeoutMs },
        ),
      );
    }, timeoutMs) as Timer;
    deadline.unref?.();
  });
  return { ready, cancel };
}

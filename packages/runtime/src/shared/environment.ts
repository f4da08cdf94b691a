// Where this code runs, decided once for the client and the worker.

/** True in Node (main thread or a `worker_threads` worker), false in browsers and their workers. */
export const isNode: boolean =
  typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node ===
  'string';

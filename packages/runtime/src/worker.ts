// The `@fv/runtime/worker` entry: starts the worker. The client imports its API type only:
// `import type { WorkerApi } from '@fv/runtime/worker'`.
import { startWorker } from './worker/main.js';

export type { WorkerApi } from './worker/host.js';

startWorker();

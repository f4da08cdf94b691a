// A picture thread: a `node:worker_threads` worker that draws, encodes and builds the files of
// `fv saliency` (commands/saliency-files.ts) while the CLI's thread drives the engines. With
// `--workers W`, each of the W engines gets one, so that the per-image work that is not the
// engine's scales with W too. The thread runs the file this module is built into
// (`import.meta.url`), which serves requests when it finds itself started as one; the module is
// an entry point of its own (package.json `fv.extraEntries`) so that rollup keeps it, with the
// drawing code only, in a small chunk: the thread does not load the engine or the CLI.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { FvError, type SerializedFvError } from '@fv/core';
import {
  type SaliencyFileBytes,
  type SaliencyFilesTask,
  saliencyFileBytes,
} from './commands/saliency-files.js';

/** What the thread answers: the bytes, or the error (an FvError's plain data). */
type Reply =
  | { readonly id: number; readonly bytes: SaliencyFileBytes }
  | { readonly id: number; readonly error: SerializedFvError | { readonly message: string } };

const MARK = 'fv-picture-thread';

/** One picture thread; `run` may be called again before an earlier call settles. */
export class PictureThread {
  readonly #worker = new Worker(new URL(import.meta.url), { workerData: MARK });
  readonly #pending = new Map<number, (reply: Reply) => void>();
  #next = 0;
  #crash: FvError | undefined;

  constructor() {
    this.#worker.on('message', (reply: Reply) => {
      this.#pending.get(reply.id)?.(reply);
      this.#pending.delete(reply.id);
    });
    const crashed = (why: string) => {
      this.#crash ??= new FvError('WORKER_CRASHED', `The picture thread ${why}`);
      for (const [id, settle] of this.#pending) settle({ id, error: this.#crash.toJSON() });
      this.#pending.clear();
    };
    this.#worker.on('error', (error) => crashed(`failed: ${error.message}`));
    this.#worker.on('exit', (code) => crashed(`exited with code ${code}`));
  }

  /** The files of one image, made in the thread. */
  run(task: SaliencyFilesTask): Promise<SaliencyFileBytes> {
    if (this.#crash) return Promise.reject(this.#crash);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (reply) => {
        if ('bytes' in reply) resolve(reply.bytes);
        else if ('code' in reply.error) reject(FvError.fromJSON(reply.error));
        else reject(new Error(reply.error.message));
      });
      this.#worker.postMessage({ id, task });
    });
  }

  /** Stops the thread (requests still running are answered with `WORKER_CRASHED`). */
  async dispose(): Promise<void> {
    this.#crash ??= new FvError('DISPOSED', 'The picture thread was stopped');
    await this.#worker.terminate();
  }
}

if (!isMainThread && workerData === MARK) {
  const port = parentPort!;
  port.on('message', ({ id, task }: { id: number; task: SaliencyFilesTask }) => {
    let reply: Reply;
    try {
      reply = { id, bytes: saliencyFileBytes(task) };
    } catch (error) {
      reply = {
        id,
        error:
          error instanceof FvError
            ? error.toJSON()
            : { message: String((error as Error)?.message ?? error) },
      };
    }
    port.postMessage(reply);
  });
}

// Turns the `model` option into bytes: in-memory buffers, Blobs, URLs (with download progress and
// the browser's Cache Storage) and, in Node, file paths. Model folders: ./model-folder.ts.
import { type AbortSignalLike, abortError, FvError, throwIfAborted } from '@fv/core';
import { isNode } from '../shared/environment.js';

/** Where a model comes from. In Node a string without a URL scheme is a file path. */
export type ModelSource = Uint8Array | ArrayBuffer | Blob | URL | string;

/** A loading step, reported through `onProgress`. */
export type LoadProgress =
  | {
      /** Bytes arriving over the network (`total` when the server sent a length). */
      readonly phase: 'download';
      readonly loaded: number;
      readonly total?: number;
    }
  | {
      /** The model was found in Cache Storage; no download. */
      readonly phase: 'cache';
      readonly loaded: number;
      readonly total: number;
    }
  | {
      /** The worker is starting and onnxruntime compiles the model. */
      readonly phase: 'compile';
    }
  | {
      /** The engine is ready. */
      readonly phase: 'ready';
    };

/** Cache Storage bucket holding downloaded models. */
export const MODEL_CACHE_NAME = 'fv-models-v1';

export interface ReadModelOptions {
  readonly onProgress?: ((event: LoadProgress) => void) | undefined;
  readonly signal?: AbortSignalLike | undefined;
  /** Keep URL models in Cache Storage (browsers only). @defaultValue true */
  readonly cache?: boolean | undefined;
}

/**
 * Reads a model into a fresh `Uint8Array` that the caller owns (buffers passed in are copied, so
 * transferring the result to the worker never detaches the caller's buffer).
 */
export async function readModelSource(
  source: ModelSource,
  options: ReadModelOptions = {},
): Promise<Uint8Array> {
  throwIfAborted(options.signal);
  if (source instanceof Uint8Array) return source.slice();
  if (source instanceof ArrayBuffer) return new Uint8Array(source.slice(0));
  if (typeof Blob !== 'undefined' && source instanceof Blob)
    return new Uint8Array(await source.arrayBuffer());
  if (typeof source === 'string' && isNode && !/^[a-z][a-z0-9+.-]+:/i.test(source))
    return readFile(source);
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      'model must be a Uint8Array, ArrayBuffer, Blob, URL or string (URL or, in Node, a file path)',
    );
  }
  const url = new URL(String(source), globalThis.location?.href);
  if (url.protocol === 'file:' && isNode) return readFile(url);
  return download(url, options);
}

async function readFile(path: string | URL): Promise<Uint8Array> {
  const fsModule = 'node:fs/promises';
  const fs = (await import(
    /* webpackIgnore: true */ /* @vite-ignore */ fsModule
  )) as typeof import('node:fs/promises');
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (error) {
    const missing = (error as { code?: unknown }).code === 'ENOENT';
    throw new FvError(
      'INVALID_ARGUMENT',
      `Cannot read model file ${String(path)}: ${String(error)}`,
      missing ? { missing: true } : undefined,
    );
  }
}

async function openCache(enabled: boolean | undefined): Promise<Cache | undefined> {
  if (enabled === false || typeof caches === 'undefined') return undefined;
  try {
    return await caches.open(MODEL_CACHE_NAME);
  } catch {
    return undefined; // opaque origins, private modes
  }
}

async function download(url: URL, options: ReadModelOptions): Promise<Uint8Array> {
  const { onProgress, signal } = options;
  const cache = await openCache(options.cache);
  if (cache) {
    const hit = await cache.match(url).catch(() => undefined);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      onProgress?.({ phase: 'cache', loaded: bytes.length, total: bytes.length });
      return bytes;
    }
  }
  let response: Response;
  try {
    response = await fetch(url, signal instanceof AbortSignal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw abortError(signal.reason);
    throw new FvError('INVALID_ARGUMENT', `Cannot download model ${url.href}: ${String(error)}`);
  }
  if (!response.ok) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Cannot download model ${url.href}: HTTP ${response.status} ${response.statusText}`,
      { status: response.status, ...(response.status === 404 ? { missing: true } : {}) },
    );
  }
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      if (signal?.aborted) {
        await reader.cancel().catch(() => undefined);
        throw abortError(signal.reason);
      }
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      onProgress?.({ phase: 'download', loaded, ...(total !== undefined ? { total } : {}) });
    }
  } else {
    chunks.push(new Uint8Array(await response.arrayBuffer()));
    loaded = chunks[0]!.length;
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  if (cache) {
    const copy = new Response(bytes.slice(), {
      headers: { 'content-type': 'application/octet-stream' },
    });
    await cache.put(url, copy).catch(() => undefined);
  }
  return bytes;
}

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, which the server serves by default. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Content types by file extension; anything else is served as `application/octet-stream`. */
export const mimeTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/** A response held in memory, for data a test generates (a model, an input tensor). */
export interface VirtualFile {
  readonly body: Uint8Array | string;
  /** Defaults to the type of the path's extension. */
  readonly contentType?: string;
}

export interface StaticServerOptions {
  /** Folder to serve. @defaultValue the repository root */
  readonly root?: string;
  /** In-memory files by URL path (for example `/__fv/model.onnx`); they win over files on disk. */
  readonly files?: Readonly<Record<string, VirtualFile>>;
  /**
   * Send COOP/COEP headers so pages are `crossOriginIsolated` (SharedArrayBuffer, wasm threads).
   * @defaultValue false
   */
  readonly crossOriginIsolated?: boolean;
  /** Allow any origin to fetch the files (CORS), like a CDN. @defaultValue false */
  readonly cors?: boolean;
}

export interface StaticServer {
  /** Base URL without a trailing slash, for example `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Adds or replaces an in-memory file while the server runs. */
  setFile(path: string, file: VirtualFile): void;
  close(): Promise<void>;
}

function contentTypeOf(path: string): string {
  return mimeTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * A static file server on 127.0.0.1 at a random port, serving the repository (so pages can load
 * `/node_modules/onnxruntime-web/dist/...` and `/test/fixtures/...`) plus in-memory files.
 * Paths outside the served folder are refused.
 */
export async function startStaticServer(options: StaticServerOptions = {}): Promise<StaticServer> {
  const root = normalize(options.root ?? repoRoot);
  const rootPrefix = root.endsWith(sep) ? root : root + sep;
  const files = new Map(Object.entries(options.files ?? {}));

  const send = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
    res.setHeader('cache-control', 'no-store');
    if (options.cors) res.setHeader('access-control-allow-origin', '*');
    if (options.crossOriginIsolated) {
      res.setHeader('cross-origin-opener-policy', 'same-origin');
      res.setHeader('cross-origin-embedder-policy', 'require-corp');
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(res, 400, 'bad request');
    }

    const virtual = files.get(pathname);
    if (virtual) {
      res.writeHead(200, { 'content-type': virtual.contentType ?? contentTypeOf(pathname) });
      return res.end(req.method === 'HEAD' ? undefined : virtual.body);
    }

    let file = normalize(join(root, pathname));
    if (file !== root && !file.startsWith(rootPrefix)) return send(res, 403, 'forbidden');
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file);
      }
      res.writeHead(200, { 'content-type': contentTypeOf(file), 'content-length': info.size });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file)
        .on('error', () => res.destroy())
        .pipe(res);
    } catch {
      send(res, 404, `not found: ${pathname}`);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setFile(path, file) {
      files.set(path, file);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

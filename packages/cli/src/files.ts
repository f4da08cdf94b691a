// File helpers: atomic writes (temporary file, then rename), image input, batch listing.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { FvError, type RgbaImage } from '@fv/core';
import { decodeImage, sniffImageFormat } from '@fv/viz';

/** Image file extensions a directory is scanned for. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** Temporary files not yet renamed; removed when the process exits early. */
const pending = new Set<string>();

/** Removes every temporary file still pending (called on errors and signals). */
export function removePendingFiles(): void {
  for (const file of pending) rmSync(file, { force: true });
  pending.clear();
}

/** The temporary file names of `path` (`.NAME.<8 hex>.tmp` next to it). */
const TEMPORARY = /^\.(.+)\.[0-9a-f]{8}\.tmp$/;

/**
 * Writes `data` to `path` through a temporary file in the same folder and a rename, so that a
 * failure never leaves a partial file at `path`.
 * @throws FvError `INVALID_ARGUMENT` when the folder does not exist or is not writable.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(resolve(path));
  if (!isDirectory(dir)) {
    throw new FvError('INVALID_ARGUMENT', `Output folder '${dirname(path)}' does not exist`);
  }
  const temp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  pending.add(temp);
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new FvError('INVALID_ARGUMENT', `Cannot write '${path}': ${(error as Error).message}`);
  } finally {
    pending.delete(temp);
  }
}

/**
 * Removes the temporary files a killed process left for any of `targets` (a `SIGKILL` gives no
 * chance to clean up); the temporary files of other targets, which another process may be
 * writing, stay. Returns how many were removed.
 */
export function removeStaleTemporaries(targets: readonly string[]): number {
  const byFolder = new Map<string, Set<string>>();
  for (const target of targets) {
    const dir = dirname(resolve(target));
    const names = byFolder.get(dir) ?? new Set<string>();
    names.add(basename(target));
    byFolder.set(dir, names);
  }
  let removed = 0;
  for (const [dir, names] of byFolder) {
    if (!isDirectory(dir)) continue;
    for (const file of readdirSync(dir)) {
      const target = TEMPORARY.exec(file)?.[1];
      if (target === undefined || !names.has(target)) continue;
      rmSync(join(dir, file), { force: true });
      removed++;
    }
  }
  return removed;
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reads a file's bytes, naming the file in the error when it is missing or unreadable.
 * @throws FvError `INVALID_ARGUMENT`
 */
export function readBytes(path: string, what = 'File', head?: number): Uint8Array {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    throw new FvError('INVALID_ARGUMENT', `${what} '${path}' does not exist`);
  }
  if (stat.isDirectory()) throw new FvError('INVALID_ARGUMENT', `${what} '${path}' is a folder`);
  if (head === undefined) return new Uint8Array(readFileSync(path));
  const fd = openSync(path, 'r');
  try {
    const bytes = new Uint8Array(head);
    const n = readSync(fd, bytes, 0, head, 0);
    if (what === 'Image' && !sniffImageFormat(bytes.subarray(0, n))) {
      throw new FvError('INVALID_IMAGE', `'${path}' is not a PNG or JPEG image`);
    }
    return bytes.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks that `path` exists and starts like a PNG or JPEG file (reads 16 bytes).
 * @throws FvError `INVALID_ARGUMENT` (missing) or `INVALID_IMAGE` (another format).
 */
export function checkImageFile(path: string): void {
  readBytes(path, 'Image', 16);
}

/**
 * Reads and decodes a PNG or JPEG file.
 * @throws FvError `INVALID_IMAGE` naming the file when it is neither or cannot be decoded.
 */
export function readImage(path: string): RgbaImage {
  const bytes = readBytes(path, 'Image');
  if (!sniffImageFormat(bytes)) {
    throw new FvError('INVALID_IMAGE', `'${path}' is not a PNG or JPEG image`);
  }
  try {
    return decodeImage(bytes);
  } catch (error) {
    throw new FvError(
      'INVALID_IMAGE',
      `Cannot decode image '${path}': ${(error as Error).message}`,
    );
  }
}

/**
 * Expands the command line's image arguments: files are kept in order, folders contribute their
 * PNG and JPEG files (sorted by name, not recursive).
 * @throws FvError `INVALID_ARGUMENT` for missing paths or a folder without images.
 */
export function expandImagePaths(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    if (isDirectory(arg)) {
      const files = readdirSync(arg)
        .filter((f) => IMAGE_EXTENSIONS.includes(extname(f).toLowerCase()) && !f.startsWith('.'))
        .sort()
        .map((f) => join(arg, f));
      if (files.length === 0) {
        throw new FvError('INVALID_ARGUMENT', `Folder '${arg}' has no PNG or JPEG images`);
      }
      out.push(...files);
    } else out.push(arg);
  }
  if (out.length === 0) throw new FvError('INVALID_ARGUMENT', 'No images given');
  for (const path of out) checkImageFile(path);
  return out;
}

/** The file name without folder and extension. */
export function stem(path: string): string {
  return basename(path, extname(path));
}

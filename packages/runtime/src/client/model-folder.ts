// Hugging Face / transformers.js model folders: `onnx/model.onnx` (or one of its precision
// variants), `config.json` and `preprocessor_config.json`, from a local folder (Node), a folder
// URL (ending in `/`) or a set of URLs; the two JSON files become the model's ModelConfig
// (@fv/core's configFromHuggingFace).
import {
  type AbortSignalLike,
  configFromHuggingFace,
  FvError,
  type HuggingFaceConfig,
  throwIfAborted,
} from '@fv/core';
import { isNode } from '../shared/environment.js';
import { type ReadModelOptions, readModelSource } from './model-source.js';

/**
 * Which ONNX file of a folder to load, by transformers.js's `dtype` names: `fp32` `model.onnx`,
 * `fp16` `model_fp16.onnx`, `q8` `model_quantized.onnx`, `int8` `model_int8.onnx`, `uint8`
 * `model_uint8.onnx`, `q4` `model_q4.onnx`, `q4f16` `model_q4f16.onnx`, `bnb4` `model_bnb4.onnx`.
 */
export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

const FILES: Readonly<Record<ModelDtype, string>> = {
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  q8: 'model_quantized.onnx',
  int8: 'model_int8.onnx',
  uint8: 'model_uint8.onnx',
  q4: 'model_q4.onnx',
  q4f16: 'model_q4f16.onnx',
  bnb4: 'model_bnb4.onnx',
};

/**
 * A model folder's files given one by one: URLs, paths (Node), or Blobs (a folder chosen or
 * dropped in a browser: its `File`s).
 */
export interface ModelFolderFiles {
  /** The ONNX file. */
  readonly model: string | URL | Blob;
  /** `config.json` (`id2label`). */
  readonly config: string | URL | Blob;
  /** `preprocessor_config.json` (resize, crop, rescale, normalize). */
  readonly preprocessor: string | URL | Blob;
}

/**
 * A model folder: a folder path (Node), a folder URL ending in `/` (for example
 * `https://huggingface.co/<owner>/<model>/resolve/main/`), or its files one by one.
 */
export type ModelFolderSource = string | URL | ModelFolderFiles;

/** Options of {@link readModelFolder}. */
export interface ReadModelFolderOptions extends ReadModelOptions {
  /** The ONNX file to load; see {@link ModelDtype}. @defaultValue `'fp32'` */
  readonly dtype?: ModelDtype | undefined;
}

/** A model folder, read. */
export interface ModelFolder extends HuggingFaceConfig {
  /** The ONNX model's bytes (owned by the caller). */
  readonly bytes: Uint8Array;
  /** Where each file was read from. */
  readonly files: {
    readonly model: string;
    readonly config: string;
    readonly preprocessor: string;
  };
  readonly dtype: ModelDtype;
}

const isFiles = (source: unknown): source is ModelFolderFiles =>
  typeof source === 'object' &&
  source !== null &&
  !(source instanceof URL) &&
  'model' in source &&
  'config' in source &&
  'preprocessor' in source;

const hasScheme = (text: string) => /^[a-z][a-z0-9+.-]+:/i.test(text);

async function nodeFs(): Promise<typeof import('node:fs/promises')> {
  const fsModule = 'node:fs/promises';
  return (await import(
    /* webpackIgnore: true */ /* @vite-ignore */ fsModule
  )) as typeof import('node:fs/promises');
}

/**
 * Whether `source` names a model folder rather than one ONNX file: a set of files, a URL or path
 * ending in `/`, or (Node) a path to a directory.
 */
export async function isModelFolder(source: unknown): Promise<boolean> {
  if (isFiles(source)) return true;
  if (!(typeof source === 'string' || source instanceof URL)) return false;
  const text = String(source);
  if (text.endsWith('/')) return true;
  if (!isNode || (hasScheme(text) && !text.startsWith('file:'))) return false;
  try {
    const path = text.startsWith('file:') ? new URL(text) : text;
    return (await (await nodeFs()).stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The folder's ONNX files (Node folders only), for the message of a missing variant. */
async function listVariants(folder: string): Promise<string[]> {
  if (!isNode || (hasScheme(folder) && !folder.startsWith('file:'))) return [];
  const fs = await nodeFs();
  const found: string[] = [];
  for (const sub of ['onnx/', '']) {
    try {
      const names = await fs.readdir(new URL(sub, folderUrl(folder)));
      for (const n of names) if (n.endsWith('.onnx')) found.push(`${sub}${n}`);
    } catch {
      // no such folder
    }
  }
  return found;
}

function folderUrl(folder: string): URL {
  const withSlash = folder.endsWith('/') ? folder : `${folder}/`;
  if (hasScheme(withSlash)) return new URL(withSlash);
  if (isNode) {
    const cwd = (globalThis as { process?: { cwd(): string } }).process!.cwd();
    return new URL(withSlash, `file://${cwd.endsWith('/') ? cwd : `${cwd}/`}`);
  }
  return new URL(withSlash, globalThis.location?.href);
}

/** How a file is named in messages: its path or URL, or a File's (relative) name. */
function nameOf(file: string | URL | Blob, fallback: string): string {
  if (typeof file === 'string' || file instanceof URL) return String(file);
  const f = file as Blob & { name?: string; webkitRelativePath?: string };
  return f.webkitRelativePath || f.name || fallback;
}

/** Reads one file; a missing one is `undefined`, any other failure an `INVALID_CONFIG` naming it. */
async function readOptional(
  location: string | URL | Blob,
  options: ReadModelOptions,
  quiet: boolean,
): Promise<Uint8Array | undefined> {
  try {
    return await readModelSource(location, quiet ? { ...options, onProgress: undefined } : options);
  } catch (error) {
    if (error instanceof FvError && error.code === 'ABORTED') throw error;
    if (error instanceof FvError && error.details?.missing) return undefined;
    throw new FvError(
      'INVALID_CONFIG',
      `Cannot read ${String(location)}: ${(error as Error).message}`,
      {
        file: String(location),
      },
    );
  }
}

function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new FvError('INVALID_CONFIG', `${file} is not valid JSON: ${(error as Error).message}`, {
      file,
    });
  }
}

/**
 * Reads a Hugging Face / transformers.js model folder: the ONNX file of `dtype` (under `onnx/`,
 * else at the folder's top), `config.json` and `preprocessor_config.json`, turned into the model's
 * `ModelConfig` (labels from `id2label`; resize, crop, rescale and normalization).
 * @throws FvError `INVALID_CONFIG` naming the file (and the field) that is missing, not JSON or
 *   not usable; `INVALID_ARGUMENT` for an unknown `dtype`; `ABORTED`.
 * @example
 * const folder = await readModelFolder('https://example.com/models/my-vit/');
 * folder.config.labels; // from id2label
 */
export async function readModelFolder(
  source: ModelFolderSource,
  options: ReadModelFolderOptions = {},
): Promise<ModelFolder> {
  throwIfAborted(options.signal as AbortSignalLike | undefined);
  const dtype = options.dtype ?? 'fp32';
  if (!Object.hasOwn(FILES, dtype)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Unknown dtype '${String(dtype)}' (dtypes: ${Object.keys(FILES).join(', ')})`,
    );
  }
  const read = async (
    where: string | URL | Blob,
    name: string,
    quiet: boolean,
    what: string,
  ): Promise<Uint8Array> => {
    const bytes = await readOptional(where, options, quiet);
    if (!bytes) throw new FvError('INVALID_CONFIG', `${name} is missing (${what})`, { file: name });
    return bytes;
  };
  let files: { model: string; config: string; preprocessor: string };
  let locations: { config: string | URL | Blob; preprocessor: string | URL | Blob };
  let bytes: Uint8Array;
  const local = (name: string) =>
    isNode && !hasScheme(name) ? name : new URL(name, globalThis.location?.href);
  if (isFiles(source)) {
    files = {
      model: nameOf(source.model, 'onnx/model.onnx'),
      config: nameOf(source.config, 'config.json'),
      preprocessor: nameOf(source.preprocessor, 'preprocessor_config.json'),
    };
    const at = (file: string | URL | Blob) => (typeof file === 'string' ? local(file) : file);
    locations = { config: at(source.config), preprocessor: at(source.preprocessor) };
    bytes = await read(at(source.model), files.model, false, 'the ONNX model');
  } else {
    const base = folderUrl(String(source));
    const at = (name: string) => new URL(name, base);
    const shown = (name: string) =>
      hasScheme(String(source)) ? at(name).href : `${String(source).replace(/\/?$/, '/')}${name}`;
    const file = FILES[dtype];
    let found: Uint8Array | undefined;
    let model = `onnx/${file}`;
    found = await readOptional(at(model), options, false);
    if (!found) {
      model = file;
      found = await readOptional(at(model), options, false);
    }
    if (!found) {
      const present = await listVariants(String(source));
      throw new FvError(
        'INVALID_CONFIG',
        `${shown(`onnx/${file}`)} is missing (the model of dtype '${dtype}'${
          present.length > 0 ? `; the folder has ${present.join(', ')}` : ''
        })`,
        { file: shown(`onnx/${file}`) },
      );
    }
    bytes = found;
    files = {
      model: shown(model),
      config: shown('config.json'),
      preprocessor: shown('preprocessor_config.json'),
    };
    locations = { config: at('config.json'), preprocessor: at('preprocessor_config.json') };
  }
  const config = parseJson(
    await read(
      locations.config,
      files.config,
      true,
      'a model folder has config.json with id2label',
    ),
    files.config,
  );
  const preprocessor = parseJson(
    await read(
      locations.preprocessor,
      files.preprocessor,
      true,
      'a model folder has preprocessor_config.json with the resize, crop and normalization',
    ),
    files.preprocessor,
  );
  const parsed = configFromHuggingFace({
    config,
    preprocessor,
    names: { config: files.config, preprocessor: files.preprocessor },
  });
  return { ...parsed, bytes, files, dtype };
}

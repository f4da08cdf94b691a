// Loading a model for a command: the bytes, the engine (a runtime worker, native or wasm), and the
// preprocessing config from flags, the sidecar `MODEL.fv.json`, and the model's metadata — or,
// for a Hugging Face / transformers.js model folder, from its config.json and
// preprocessor_config.json.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inspectModel, type ModelInspection } from '@fv/autodiff';
import {
  configFromMetadata,
  configuredInputShapes,
  type EngineInfo,
  FvError,
  type ModelConfig,
  preset as presetConfig,
  type ResolvedModelConfig,
  resolveModelConfig,
} from '@fv/core';
import {
  isModelFolder,
  type ModelDtype,
  type ModelFolder,
  type RuntimeEngine,
  readModelFolder,
} from '@fv/runtime';
import { type EngineFlags, type EngineSettings, engineSettings, startEngine } from './engine.js';
import { readBytes } from './files.js';
import { parseNumber, parseNumberList } from './options.js';

/** Preprocessing flags shared by every command that feeds images. */
export interface ModelFlags {
  readonly preset?: string;
  readonly mean?: string;
  readonly std?: string;
  readonly scale?: string;
  readonly size?: string;
  readonly bgr?: boolean;
  readonly labels?: string;
  readonly inputName?: string;
  readonly logitsName?: string;
  readonly config?: string;
  /** Which ONNX file of a model folder (transformers.js's `dtype`). */
  readonly dtype?: string;
}

/**
 * The sidecar file `MODEL.fv.json` (next to `MODEL.onnx`): a `ModelConfig` as JSON, plus
 * `preset` (a preset name applied under the other fields) and `labelsFile` (a labels file,
 * relative to the sidecar).
 */
export interface SidecarConfig extends ModelConfig {
  readonly labelsFile?: string;
}

/** Where the sidecar of `modelPath` is looked for: `X.fv.json` for `X.onnx`, then `X.onnx.fv.json`. */
export function sidecarPaths(modelPath: string): string[] {
  const base = modelPath.replace(/\.onnx$/i, '');
  return [`${base}.fv.json`, `${modelPath}.fv.json`];
}

/** Reads a labels file: a JSON array of strings, or one label per line. */
export function readLabels(path: string): string[] {
  const text = new TextDecoder().decode(readBytes(path, 'Labels file')).trim();
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // not JSON: one per line
    }
  }
  return text.split(/\r?\n/).map((l) => l.trim());
}

function readSidecar(path: string): ModelConfig {
  let parsed: SidecarConfig;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as SidecarConfig;
  } catch (error) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Config '${path}' is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FvError('INVALID_ARGUMENT', `Config '${path}' must hold a JSON object`);
  }
  const { preset, labelsFile, ...rest } = parsed;
  return {
    ...(preset ? presetConfig(preset) : {}),
    ...(labelsFile ? { labels: readLabels(resolve(dirname(path), labelsFile)) } : {}),
    ...rest,
  };
}

/** The config from flags alone (they win over the sidecar and the model's metadata). */
export function configFromFlags(flags: ModelFlags): ModelConfig {
  const config: { -readonly [K in keyof ModelConfig]: ModelConfig[K] } = {
    ...(flags.preset ? presetConfig(flags.preset) : {}),
  };
  if (flags.mean) config.mean = parseNumberList(flags.mean, '--mean');
  if (flags.std) config.std = parseNumberList(flags.std, '--std');
  if (flags.scale) config.scale = parseNumber(flags.scale, '--scale')!;
  if (flags.size) {
    const [w, h = w] = parseNumberList(flags.size.replace(/x/i, ','), '--size');
    config.width = w as number;
    config.height = h as number;
  }
  if (flags.bgr) config.colorOrder = 'BGR';
  if (flags.labels) config.labels = readLabels(flags.labels);
  if (flags.inputName) config.input = flags.inputName;
  if (flags.logitsName) config.logits = flags.logitsName;
  return config;
}

/** A loaded model: bytes, static inspection, where its config came from. */
export interface LoadedModel {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly inspection: ModelInspection;
  /**
   * Merged config (metadata < folder files < sidecar < flags), before resolving against the
   * engine.
   */
  readonly config: ModelConfig;
  /** The sidecar file used, if any. */
  readonly sidecar: string | undefined;
  /** A Hugging Face model folder: the files read and what they said. */
  readonly folder?: Omit<ModelFolder, 'bytes'>;
}

/** A model whose preprocessing is fully decided (before any engine starts). */
export interface ResolvedModel extends LoadedModel {
  readonly resolved: ResolvedModelConfig;
  /** Number of classes (size of the logits' last axis) when static, else the number of labels. */
  readonly classes: number | undefined;
  /** How its engines run (`--backend`, `--threads`). */
  readonly engine: EngineSettings;
}

/** What `inspectModel` says, shaped as an engine's `info` (for `resolveModelConfig`). */
export function staticInfo(inspection: ModelInspection): EngineInfo {
  return {
    inputs: inspection.inputs,
    outputs: inspection.outputs,
    layers: inspection.layers,
    attention: inspection.attention,
    backend: 'wasm',
  };
}

/**
 * {@link loadModel}, then resolves the config against the model's static shapes, so that bad
 * flags, targets and layers fail before an engine starts.
 */
export async function resolveModel(
  path: string,
  flags: ModelFlags & EngineFlags = {},
): Promise<ResolvedModel> {
  const engine = engineSettings(flags);
  const model = await loadModel(path, flags);
  const resolved = resolveModelConfig(staticInfo(model.inspection), model.config);
  const out = model.inspection.outputs.find((o) => o.name === resolved.logits);
  const last = out?.dims[out.dims.length - 1];
  const classes = typeof last === 'number' && last > 0 ? last : resolved.labels?.length;
  return { ...model, resolved, classes, engine };
}

/**
 * Reads and inspects the model (an ONNX file, or a Hugging Face model folder) and gathers its
 * config.
 * @throws FvError `INVALID_ARGUMENT` (missing file), `INVALID_MODEL` (not ONNX), `INVALID_CONFIG`
 *   (a folder's file missing or wrong, naming the file and the field).
 */
export async function loadModel(path: string, flags: ModelFlags = {}): Promise<LoadedModel> {
  let bytes: Uint8Array;
  let folder: ModelFolder | undefined;
  if (await isModelFolder(path)) {
    folder = await readModelFolder(path, {
      ...(flags.dtype !== undefined ? { dtype: flags.dtype as ModelDtype } : {}),
    });
    bytes = folder.bytes;
  } else {
    if (flags.dtype !== undefined)
      throw new FvError(
        'INVALID_ARGUMENT',
        `--dtype chooses a file of a model folder; '${path}' is a file`,
      );
    bytes = readBytes(path, 'Model');
  }
  const modelFile = folder ? folder.files.model : path;
  const sidecar =
    flags.config ?? (folder ? undefined : sidecarPaths(path).find((p) => existsSync(p)));
  if (flags.config && !existsSync(flags.config)) {
    throw new FvError('INVALID_ARGUMENT', `Config '${flags.config}' does not exist`);
  }
  let inspection: ModelInspection;
  const inspect = (config?: ModelConfig) =>
    inspectModel(bytes, {
      inputShapes: config ? configuredInputShapes(inspection.inputs, config) : undefined,
    });
  try {
    inspection = inspectModel(bytes);
  } catch (error) {
    const message = (error as Error).message;
    throw new FvError('INVALID_MODEL', `'${modelFile}' is not an ONNX model (${message})`);
  }
  const config: ModelConfig = {
    ...configFromMetadata(inspection.metadata),
    ...folder?.config,
    ...(sidecar ? readSidecar(sidecar) : {}),
    ...configFromFlags(flags),
  };
  // Free input dims (Hugging Face exports): inspect again at the configured size.
  if (configuredInputShapes(inspection.inputs, config)) inspection = inspect(config);
  const { bytes: _bytes, ...read } = folder ?? {};
  return {
    path,
    bytes,
    inspection,
    config,
    sidecar,
    ...(folder ? { folder: read as Omit<ModelFolder, 'bytes'> } : {}),
  };
}

/** A running engine with its model and resolved config. */
export interface Session {
  readonly model: ResolvedModel;
  readonly engine: RuntimeEngine;
  readonly config: ResolvedModelConfig;
}

/**
 * Starts an engine (a worker thread, native or wasm) for a resolved model; `engines` is how many a
 * pool starts (they share the cores), `notice: false` keeps the wasm notice to the first.
 */
export async function openSession(
  model: ResolvedModel,
  pool: { readonly engines?: number; readonly notice?: boolean } = {},
): Promise<Session> {
  let engine: RuntimeEngine;
  try {
    // The config goes along so that the worker inspects a folder's model at its size.
    engine = await startEngine(model.bytes, model.engine, { ...pool, config: model.config });
  } catch (error) {
    if (error instanceof FvError && error.code === 'INVALID_MODEL') {
      throw new FvError('INVALID_MODEL', `'${model.path}' cannot be loaded: ${error.message}`);
    }
    throw error;
  }
  return { model, engine, config: model.resolved };
}

/** The label of class `index`, or `class N` without labels. */
export function labelOf(config: ResolvedModelConfig, index: number): string {
  return config.labels?.[index] ?? `class ${index}`;
}

/**
 * Parses a class target (`N`, `top`, or a label) and checks its range.
 * @throws FvError `OUT_OF_RANGE` / `INVALID_ARGUMENT`
 */
export function parseTarget(
  model: ResolvedModel,
  text: string | undefined,
  allowTop = true,
): number | 'top' {
  if (text === undefined || text === 'top') {
    if (!allowTop) throw new FvError('INVALID_ARGUMENT', '--target N is required');
    return 'top';
  }
  let index = /^\d+$/.test(text) ? Number(text) : (model.resolved.labels?.indexOf(text) ?? -1);
  if (!/^\d+$/.test(text) && index < 0) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Target '${text}' is neither a class index, 'top', nor a label`,
    );
  }
  index = Number(index);
  const n = model.classes;
  if (n !== undefined && index >= n) {
    throw new FvError(
      'OUT_OF_RANGE',
      `Target ${index} is out of range: the model has ${n} classes (0..${n - 1})`,
    );
  }
  return index;
}

/**
 * Checks that `name` is a tensor of the model (a layer, input or output).
 * @throws FvError `UNKNOWN_TENSOR` naming the layer and a few similar names.
 */
export function checkLayer(model: ResolvedModel, name: string): void {
  const { layers, inputs, outputs } = model.inspection;
  const names = [
    ...layers.map((l) => l.name),
    ...inputs.map((i) => i.name),
    ...outputs.map((o) => o.name),
  ];
  if (names.includes(name)) return;
  const needle = name.toLowerCase();
  const similar = names
    .filter((n) => n.toLowerCase().includes(needle) || needle.includes(n.toLowerCase()))
    .slice(0, 5);
  const hint = similar.length > 0 ? similar : names.filter((n) => n !== '').slice(-5);
  throw new FvError(
    'UNKNOWN_TENSOR',
    `Unknown layer '${name}' (${similar.length > 0 ? 'similar' : 'for example'}: ${hint.join(', ')}; see 'fv inspect')`,
  );
}

/** Opens a session, runs `fn`, and always disposes the engine. */
export async function withSession<T>(
  model: ResolvedModel,
  fn: (session: Session) => Promise<T>,
): Promise<T> {
  const session = await openSession(model);
  try {
    return await fn(session);
  } finally {
    await session.engine.dispose();
  }
}

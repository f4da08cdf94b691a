// What every gallery page shares: the model/backend controls and the engine they load (in
// @fv/runtime's worker), the backend badge and per-step timing, readable errors in the page,
// image input (choose, drop, paste), and the page-state flag the e2e tests wait for.
import {
  type EngineInfo,
  FvError,
  type ModelConfig,
  preset,
  type ResolvedModelConfig,
  type RgbaImage,
  resolveModelConfig,
} from '@fv/core';
import {
  type BackendPreference,
  createEngine,
  isModelFolder,
  type ModelFolderFiles,
  type RuntimeEngine,
  readModelFolder,
} from '@fv/runtime';
import { drawToCanvas, encodePng } from '@fv/viz';

/**
 * A model the server offers (`models/index.json`): an ONNX file, or a Hugging Face model folder
 * (`url` ending in `/`, its preprocessing and labels in its own files).
 */
export interface CatalogModel {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly config: ModelConfig;
}

/** A model the user brought: an .onnx file (with a preset), a folder's files, or a folder URL. */
type CustomModel =
  | { readonly kind: 'file'; readonly name: string; readonly bytes: Uint8Array }
  | { readonly kind: 'folder'; readonly name: string; readonly files: ModelFolderFiles }
  | { readonly kind: 'url'; readonly name: string; readonly url: string };

/**
 * A Hugging Face model folder among files chosen or dropped together: `onnx/model.onnx` (or
 * `model.onnx`), `config.json` and `preprocessor_config.json`, by their paths in the folder.
 * @throws FvError `INVALID_CONFIG` naming the file that is missing.
 */
export function folderFiles(files: readonly File[], name: string): ModelFolderFiles {
  const path = (f: File) => f.webkitRelativePath || f.name;
  const find = (suffix: string) => files.find((f) => `/${path(f)}`.endsWith(`/${suffix}`));
  const model = find('onnx/model.onnx') ?? find('model.onnx');
  const config = find('config.json');
  const preprocessor = find('preprocessor_config.json');
  const missing = !model
    ? 'onnx/model.onnx'
    : !config
      ? 'config.json'
      : !preprocessor
        ? 'preprocessor_config.json'
        : undefined;
  if (missing)
    throw new FvError(
      'INVALID_CONFIG',
      `${name}/${missing} is missing: a model folder has onnx/model.onnx, config.json and preprocessor_config.json`,
      { file: `${name}/${missing}` },
    );
  return { model: model!, config: config!, preprocessor: preprocessor! };
}

/** Every file under a dropped directory entry, with `webkitRelativePath`-like names. */
async function filesOfEntry(entry: FileSystemEntry, prefix = ''): Promise<File[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    return [new File([file], `${prefix}${file.name}`, { type: file.type })];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const entries: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) break;
    entries.push(...batch);
  }
  const nested = await Promise.all(entries.map((e) => filesOfEntry(e, `${prefix}${entry.name}/`)));
  return nested.flat();
}

/** A photo the server offers. */
export interface CatalogImage {
  readonly id: string;
  readonly name: string;
  readonly url: string;
}

export interface Catalog {
  readonly models: readonly CatalogModel[];
  readonly images: readonly CatalogImage[];
}

/** What a page is doing, mirrored on `<body data-state>` for tests and styling. */
export type PageState = 'loading' | 'ready' | 'running' | 'done' | 'stopped' | 'error';

/** The element with this id (a page bug if missing). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`element #${id} is missing from the page`);
  return element as T;
}

/** `CODE: message` for fv errors, `Name: message` otherwise. */
export function describeError(error: unknown): string {
  if (error instanceof FvError || (error instanceof Error && 'code' in error)) {
    return `${String((error as FvError).code)}: ${error.message}`;
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** True for aborts (the Stop button), which are not errors. */
export function isAbort(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORTED')
  );
}

export function setState(state: PageState): void {
  document.body.dataset.state = state;
}

export function setStatus(text: string): void {
  byId('status').textContent = text;
}

export function showError(error: unknown): void {
  const box = byId('error');
  box.textContent = describeError(error);
  box.hidden = false;
  setState('error');
  setStatus('Failed.');
}

export function clearError(): void {
  const box = byId('error');
  box.hidden = true;
  box.textContent = '';
}

/** Shows per-step time: the last step and the mean so far. */
export class StepTimer {
  private count = 0;
  private total = 0;
  private last = performance.now();

  start(): void {
    this.count = 0;
    this.total = 0;
    this.last = performance.now();
    byId('step-time').textContent = '…';
  }

  /** Records `count` steps done since the last call (a batch of samples counts each one). */
  step(label = 'step', count = 1): number {
    const now = performance.now();
    const ms = (now - this.last) / count;
    this.last = now;
    this.count += count;
    this.total += ms * count;
    byId('step-time').textContent =
      `${ms.toFixed(0)} ms/${label} (mean ${(this.total / this.count).toFixed(0)} ms)`;
    return ms;
  }
}

/** Reads an image file or blob into 8-bit RGBA pixels; a readable error if it is no image. */
export async function decodeImageBlob(blob: Blob, name = 'file'): Promise<ImageData> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    throw new FvError(
      'INVALID_IMAGE',
      `Could not read '${name}' as an image (PNG, JPEG, WebP, GIF or BMP expected)`,
    );
  }
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext('2d');
  if (!context) throw new FvError('BACKEND_UNAVAILABLE', 'No 2D canvas context in this browser');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/** A colourful synthetic photo stand-in when the server offers no photos. */
export function syntheticImage(size = 128): ImageData {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const r = Math.hypot(x - size / 2, y - size / 2) / (size / 2);
      data[i] = 255 * (0.5 + 0.5 * Math.sin(x / 6));
      data[i + 1] = 255 * (1 - r);
      data[i + 2] = 255 * (0.5 + 0.5 * Math.cos(y / 9));
      data[i + 3] = 255;
    }
  }
  return new ImageData(data, size, size);
}

export function drawImage(canvasId: string, image: RgbaImage | ImageData): void {
  drawToCanvas(byId<HTMLCanvasElement>(canvasId), image);
}

/** Offers bytes as a download. */
export function download(bytes: Uint8Array, name: string, type = 'image/png'): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadPng(image: RgbaImage, name: string): void {
  download(encodePng(image), name);
}

export function numberValue(id: string, fallback: number): number {
  const value = Number(byId<HTMLInputElement>(id).value);
  return Number.isFinite(value) && byId<HTMLInputElement>(id).value !== '' ? value : fallback;
}

/** Handlers a page gives {@link Gallery}. */
export interface GalleryHooks {
  /** A model finished loading (also after a backend switch). */
  onEngine(engine: RuntimeEngine, config: ResolvedModelConfig): void | Promise<void>;
  /** An image was chosen, dropped or pasted (pages without image input leave it out). */
  onImage?(image: ImageData, name: string): void | Promise<void>;
  /** Several images were dropped at once (pages that take a set of images). */
  onImages?(images: readonly NamedImage[]): void | Promise<void>;
}

/** A decoded image and its (unique) name. */
export interface NamedImage {
  readonly name: string;
  readonly image: ImageData;
}

/** Decodes image files; names repeated across files get ` (2)`, ` (3)`… so that they stay unique. */
export async function decodeImageFiles(files: readonly File[]): Promise<NamedImage[]> {
  const seen = new Map<string, number>();
  const out: NamedImage[] = [];
  for (const file of files) {
    const n = (seen.get(file.name) ?? 0) + 1;
    seen.set(file.name, n);
    const name = n === 1 ? file.name : `${file.name} (${n})`;
    out.push({ name, image: await decodeImageBlob(file, file.name) });
  }
  return out;
}

/**
 * Owns the page's engine: fills the model and backend controls, loads the chosen model in
 * @fv/runtime's worker, disposes the previous engine, and routes dropped/pasted files.
 */
export class Gallery {
  catalog: Catalog = { models: [], images: [] };
  engine: RuntimeEngine | undefined;
  config: ResolvedModelConfig | undefined;
  modelLabel = '';
  /** Model URL as shown in code snippets. */
  modelSource = '';
  backendChoice: BackendPreference = 'auto';
  private custom: CustomModel | undefined;
  /** Where the loaded model came from: a catalog URL, a dropped file's bytes, a folder. */
  private source: string | Uint8Array | ModelFolderFiles | undefined;
  private loading: Promise<void> = Promise.resolve();
  /** What the Run button waits for: a loaded model, the image (pages that take one), no run. */
  private modelReady = false;
  private imageReady = false;
  private busy = false;

  constructor(private readonly hooks: GalleryHooks) {}

  /** Run is enabled only when it can succeed: model loaded, image chosen, nothing running. */
  private updateRun(): void {
    const needsImage = this.hooks.onImage !== undefined;
    const ready = this.modelReady && (this.imageReady || !needsImage);
    byId<HTMLButtonElement>('run').disabled = !ready || this.busy;
    // A page's other actions on the model (marked `data-action`) follow Run.
    for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-action]')) {
      button.disabled = !ready || this.busy;
    }
    // The page is 'ready' (for people and for the e2e tests) once Run can succeed.
    if (ready && document.body.dataset.state === 'loading') setState('ready');
  }

  /** A page marks a run in progress (Run disabled) and done. */
  setBusy(busy: boolean): void {
    this.busy = busy;
    this.updateRun();
  }

  /** Hands an image to the page; Run waits for the first one. */
  private async takeImage(image: ImageData, name: string): Promise<void> {
    // The image is the page's from here on (a page may start computing with it at once).
    const taken = this.hooks.onImage?.(image, name);
    this.imageReady = true;
    this.updateRun();
    await taken;
  }

  async init(): Promise<void> {
    setState('loading');
    const params = new URLSearchParams(location.search);
    const backend = byId<HTMLSelectElement>('backend');
    const wanted = params.get('backend');
    if (wanted === 'webgpu' || wanted === 'wasm' || wanted === 'auto') backend.value = wanted;
    try {
      const response = await fetch('models/index.json');
      if (!response.ok) throw new Error(`models/index.json: HTTP ${response.status}`);
      this.catalog = (await response.json()) as Catalog;
    } catch (error) {
      showError(
        new FvError(
          'INVALID_ARGUMENT',
          `No model catalog (${describeError(error)}): serve the gallery with \`pnpm gallery\`, or drop an .onnx file on the page`,
        ),
      );
    }
    const modelSelect = byId<HTMLSelectElement>('model');
    for (const model of this.catalog.models) modelSelect.add(new Option(model.name, model.id));
    const modelParam = params.get('model');
    if (modelParam && this.catalog.models.some((m) => m.id === modelParam)) {
      modelSelect.value = modelParam;
    }
    modelSelect.addEventListener('change', () => {
      this.custom = undefined;
      void this.reload();
    });
    backend.addEventListener('change', () => void this.reload());
    byId<HTMLInputElement>('model-file').addEventListener('change', (event) => {
      const file = (event.target as HTMLInputElement).files?.[0];
      if (file) void this.useFile(file);
    });
    byId<HTMLInputElement>('model-folder').addEventListener('change', (event) => {
      const files = [...((event.target as HTMLInputElement).files ?? [])];
      const name = files[0]?.webkitRelativePath.split('/')[0] || 'folder';
      if (files.length > 0) void this.useFolder(files, name);
    });
    // A model folder URL (ending in '/'), or an .onnx URL: Load, or Enter in the field.
    const loadUrl = () => {
      const url = byId<HTMLInputElement>('model-url').value.trim();
      if (!url) return;
      this.custom = { kind: 'url', name: url, url };
      void this.reload();
    };
    byId('model-url-load').addEventListener('click', loadUrl);
    byId('model-url').addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault(); // not the page's Run
      loadUrl();
    });
    this.installDrop();
    if (this.catalog.models.length > 0) await this.reload();
  }

  /** Fills an image `<select>` with the server's photos (or a synthetic image). */
  async initImages(selectId = 'image', fileId = 'image-file'): Promise<void> {
    const select = byId<HTMLSelectElement>(selectId);
    if (this.catalog.images.length === 0) select.add(new Option('synthetic pattern', ''));
    for (const image of this.catalog.images) select.add(new Option(image.name, image.url));
    // A sample of the default model's classes for the default model, else a photo.
    const onDefault = this.modelLabel.startsWith('default');
    const preferred = onDefault
      ? this.catalog.images.find((i) => i.name.startsWith('sample:'))
      : (this.catalog.images.find((i) => i.name.startsWith('chelsea')) ??
        this.catalog.images.find((i) => !i.name.startsWith('sample:')));
    if (preferred) select.value = preferred.url;
    select.addEventListener('change', () => void this.loadSelectedImage(select));
    byId<HTMLInputElement>(fileId).addEventListener('change', (event) => {
      const file = (event.target as HTMLInputElement).files?.[0];
      if (file) void this.useFile(file);
    });
    await this.loadSelectedImage(select);
  }

  private async loadSelectedImage(select: HTMLSelectElement): Promise<void> {
    try {
      if (!select.value) {
        await this.takeImage(syntheticImage(), 'synthetic pattern');
        return;
      }
      const response = await fetch(select.value);
      if (!response.ok) throw new Error(`${select.value}: HTTP ${response.status}`);
      const name = select.selectedOptions[0]?.text ?? select.value;
      await this.takeImage(await decodeImageBlob(await response.blob(), name), name);
    } catch (error) {
      showError(error);
    }
  }

  /** A chosen or dropped Hugging Face model folder (its files). */
  async useFolder(files: readonly File[], name: string): Promise<void> {
    clearError();
    try {
      this.custom = { kind: 'folder', name, files: folderFiles(files, name) };
      await this.reload();
    } catch (error) {
      showError(error);
    }
  }

  /** A dropped, pasted or chosen file: an .onnx model, an image, or a readable error. */
  async useFile(file: File): Promise<void> {
    clearError();
    try {
      if (file.name.toLowerCase().endsWith('.onnx')) {
        this.custom = {
          kind: 'file',
          name: file.name,
          bytes: new Uint8Array(await file.arrayBuffer()),
        };
        await this.reload();
        return;
      }
      if (!this.hooks.onImage) {
        throw new FvError(
          'INVALID_ARGUMENT',
          `Cannot use '${file.name}' here: drop an .onnx model file`,
        );
      }
      if (file.type && !file.type.startsWith('image/')) {
        throw new FvError(
          'INVALID_IMAGE',
          `Cannot use '${file.name}' (${file.type}): drop an image (PNG, JPEG…) or an .onnx model`,
        );
      }
      await this.takeImage(await decodeImageBlob(file, file.name), file.name);
    } catch (error) {
      showError(error);
    }
  }

  /** Several image files at once, for pages that take a set of images. */
  async useImages(files: readonly File[]): Promise<void> {
    clearError();
    try {
      await this.hooks.onImages?.(await decodeImageFiles(files));
    } catch (error) {
      showError(error);
    }
  }

  /**
   * The loaded model's bytes (a catalog model is fetched again, from the browser's cache; a model
   * folder's ONNX file is read from the folder).
   */
  async modelBytes(): Promise<Uint8Array> {
    const source = this.source;
    if (source instanceof Uint8Array) return source;
    if (!source)
      throw new FvError('INVALID_ARGUMENT', 'No model is loaded yet: choose or drop a model');
    if (await isModelFolder(source)) return (await readModelFolder(source)).bytes;
    const response = await fetch(source as string);
    if (!response.ok) throw new Error(`${String(source)}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  private installDrop(): void {
    const body = document.body;
    body.addEventListener('dragover', (event) => {
      event.preventDefault();
      body.classList.add('dragging');
    });
    body.addEventListener('dragleave', () => body.classList.remove('dragging'));
    body.addEventListener('drop', (event) => {
      event.preventDefault();
      body.classList.remove('dragging');
      // A dropped folder: a Hugging Face model folder.
      const entry = event.dataTransfer?.items[0]?.webkitGetAsEntry?.();
      if (entry?.isDirectory) {
        void filesOfEntry(entry)
          .then((files) => this.useFolder(files, entry.name))
          .catch(showError);
        return;
      }
      const files = [...(event.dataTransfer?.files ?? [])];
      const images = files.filter((f) => !f.name.toLowerCase().endsWith('.onnx'));
      if (this.hooks.onImages && images.length > 0 && images.length === files.length) {
        void this.useImages(images);
        return;
      }
      const file = files[0];
      if (file) void this.useFile(file);
      else showError(new FvError('INVALID_ARGUMENT', 'Nothing usable was dropped: drop a file'));
    });
    document.addEventListener('paste', (event) => {
      const file = [...(event.clipboardData?.files ?? [])][0];
      if (file) {
        event.preventDefault();
        void this.useFile(file);
      }
    });
  }

  /** Loads (again) the chosen model on the chosen backend. Serialized. */
  reload(): Promise<void> {
    this.loading = this.loading.then(() => this.load());
    return this.loading;
  }

  private async load(): Promise<void> {
    const backend = byId<HTMLSelectElement>('backend').value as BackendPreference;
    this.backendChoice = backend;
    const entry = this.catalog.models.find((m) => m.id === byId<HTMLSelectElement>('model').value);
    const chosen = preset(byId<HTMLSelectElement>('preset').value);
    const custom = this.custom;
    const source =
      custom?.kind === 'file'
        ? custom.bytes
        : custom?.kind === 'folder'
          ? custom.files
          : custom?.kind === 'url'
            ? custom.url
            : entry?.url;
    if (!source) return;
    const label = custom ? custom.name : (entry?.name ?? '');
    clearError();
    setState('loading');
    setStatus(`Loading ${label} on ${backend}…`);
    const badge = byId('backend-badge');
    badge.textContent = '…';
    badge.dataset.backend = '';
    const previous = this.engine;
    this.engine = undefined;
    this.config = undefined;
    this.modelReady = false;
    this.updateRun();
    this.source = undefined;
    await previous?.dispose().catch(() => undefined);
    const started = performance.now();
    const showBackend = (info: EngineInfo): void => {
      badge.textContent = info.backend === 'webgpu' ? 'WebGPU' : info.backend;
      badge.dataset.backend = info.backend;
      badge.title = info.backendReason ?? '';
    };
    try {
      const engine = await createEngine({
        model: source,
        backend,
        worker: new URL('./worker.js', import.meta.url),
        onProgress: (event) => {
          if (event.phase === 'download' && event.total) {
            setStatus(`Downloading ${label}: ${Math.round((100 * event.loaded) / event.total)} %`);
          } else if (event.phase === 'compile') setStatus(`Compiling ${label} on ${backend}…`);
        },
        // A lost WebGPU device moves an 'auto' engine onto wasm: say so where the backend shows.
        onBackendChange: (info) => {
          showBackend(info);
          setStatus(`${label} moved to ${badge.textContent}: ${info.backendReason ?? ''}`);
        },
      });
      // An .onnx file takes the chosen preset; a model folder (or URL) brings its own config
      // (engine.info.config), as do the catalog's folders.
      const own = engine.info.config !== undefined;
      const config = resolveModelConfig(
        engine.info,
        custom ? (own ? {} : chosen) : (entry?.config ?? {}),
      );
      this.engine = engine;
      this.config = config;
      this.source = source;
      this.modelLabel = label;
      this.modelSource = custom ? custom.name : (entry?.url ?? '');
      byId('load-time').textContent = `${(performance.now() - started).toFixed(0)} ms`;
      showBackend(engine.info);
      setStatus(
        `${label} ready on ${badge.textContent}${engine.info.backendReason ? ` (${engine.info.backendReason})` : ''}.`,
      );
      await this.hooks.onEngine(engine, config);
      this.modelReady = true;
      this.updateRun();
    } catch (error) {
      badge.textContent = 'none';
      showError(error);
    }
  }

  /** The engine, or a readable error when no model is loaded. */
  require(): { engine: RuntimeEngine; config: ResolvedModelConfig } {
    if (!this.engine || !this.config) {
      throw new FvError('INVALID_ARGUMENT', 'No model is loaded yet: choose or drop a model');
    }
    return { engine: this.engine, config: this.config };
  }
}

/**
 * Differentiable layers with channels over a grid: feature maps, and a vision transformer's token
 * sequences (hidden units over the patch grid) when the model reports layouts; else 4-D layers.
 */
export function gridLayers(engine: RuntimeEngine): string[] {
  const layers = engine.info.layers;
  const withLayouts = layers.some((l) => l.layout);
  return layers
    .filter((l) =>
      !l.differentiable
        ? false
        : withLayouts
          ? l.layout !== undefined && l.layout.channelAxis !== null
          : l.dims === null || l.dims.length === 4,
    )
    .map((l) => l.name);
}

/** Layers a unit/dream objective can use: {@link gridLayers}, activation-like ones first. */
export function visualLayers(engine: RuntimeEngine): string[] {
  const layers = gridLayers(engine);
  const opOf = (name: string) => engine.info.layers.find((l) => l.name === name)?.opType ?? '';
  // ReLU-like ops of CNNs; the GELU of a transformer's MLP ends in a Mul (or is one op).
  const activations = layers.filter((l) =>
    /^(Relu|LeakyRelu|Clip|Sigmoid|HardSwish|Mul|Gelu)$/.test(opOf(l)),
  );
  return activations.length > 0 ? activations : layers;
}

/** Channel count of a layer: its layout's channels, else axis 1 of its static shape. */
export function channelsOf(engine: RuntimeEngine, layer: string): number | undefined {
  const info = engine.info.layers.find((l) => l.name === layer);
  if (info?.layout?.channels) return info.layout.channels;
  const c = info?.dims?.[1];
  return typeof c === 'number' && c > 0 ? c : undefined;
}

/** Whether the model has attention over its image tokens (the transformer methods apply). */
export function hasTokenAttention(engine: RuntimeEngine): boolean {
  return (engine.info.attention ?? []).some((a) => a.tokens !== null);
}

export function fillSelect(select: HTMLSelectElement, values: readonly string[], pick?: string) {
  const old = select.value;
  select.replaceChildren(...values.map((v) => new Option(v, v)));
  if (pick && values.includes(pick)) select.value = pick;
  else if (values.includes(old)) select.value = old;
}

/** The name of class `index`, or `class N` when the model has no labels. */
export function labelOf(config: ResolvedModelConfig, index: number): string {
  return config.labels?.[index] ?? `class ${index}`;
}

/** Test hook: the latest results, read by the e2e tests. */
export function publish(key: string, value: unknown): void {
  const w = window as unknown as { fvGallery?: Record<string, unknown> };
  w.fvGallery ??= {};
  w.fvGallery[key] = value;
}

/** Runs `page()` and shows any error it throws in the page. */
export function start(page: () => Promise<void>): void {
  page().catch(showError);
}

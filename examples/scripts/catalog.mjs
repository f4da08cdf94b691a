// The gallery's model and image catalog: which ONNX models and photos the example pages offer,
// with the preprocessing (`@fv/core` ModelConfig) each model needs. Used by `serve.mjs` and by
// the gallery's end-to-end test, which serve `/models/index.json` plus the files it names.
//
// Models, in order: `models/default/*.onnx` (the project's default model), the default vision
// transformer `models/vit/` (a Hugging Face / transformers.js model folder, served as a folder: the
// page loads its onnx/model.onnx, config.json and preprocessor_config.json), every `*.onnx` and
// model folder in FV_MODELS_DIR (default `../shared/models` when it exists; one folder level
// deep), and the small test fixture CNN (always there). A sidecar `<model>.fv.json` or `<model>.json` (a ModelConfig, or
// `{ config }`) and a
// `labels.txt` next to the model win over the built-in table of known models. Photos: the default
// model's `samples/`, then `images/` of the models folder.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const tensorflow = { colorOrder: 'RGB', scale: 1, mean: [128, 128, 128], std: [128, 128, 128] };
const torchvision = {
  colorOrder: 'RGB',
  scale: 1 / 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** Preprocessing of models the gallery knows by file name (see ../shared/models/README.md). */
const known = [
  {
    match: /^mobilenet/i,
    config: { ...tensorflow, logits: 'logits' },
    labels: 'imagenet_labels_1001.txt',
  },
  { match: /^resnet20/i, config: { ...torchvision }, labels: 'labels.txt' },
  {
    match: /^mnist/i,
    config: { channels: 1, scale: 1 / 255, mean: [0], std: [1] },
    labels: 'labels.txt',
  },
  { match: /^small_(cnn|resnet)/i, config: { ...torchvision, input: 'input', logits: 'logits' } },
];

/** FV_MODELS_DIR, or ../shared/models when present; undefined when neither exists. */
export function modelsDir(env = process.env) {
  const dir = env.FV_MODELS_DIR
    ? resolve(repoRoot, env.FV_MODELS_DIR)
    : resolve(repoRoot, '..', 'shared', 'models');
  return existsSync(dir) ? dir : undefined;
}

function readLabels(file) {
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

function configFor(file) {
  const dir = dirname(file);
  const stem = basename(file, extname(file));
  const entry = known.find((k) => k.match.test(stem));
  let config = { ...(entry?.config ?? {}) };
  for (const sidecar of [
    join(dir, `${stem}.fv.json`),
    join(dir, `${stem}.json`),
    join(dir, 'config.json'),
  ]) {
    if (!existsSync(sidecar)) continue;
    try {
      const parsed = JSON.parse(readFileSync(sidecar, 'utf8'));
      config = { ...config, ...(parsed.config ?? parsed) };
    } catch {
      // not a config: ignore
    }
    break;
  }
  if (!config.labels) {
    const labels =
      readLabels(join(dir, `${stem}.labels.txt`)) ??
      (entry?.labels ? readLabels(join(dir, entry.labels)) : undefined) ??
      readLabels(join(dir, 'labels.txt'));
    if (labels) config.labels = labels;
  }
  return config;
}

/** A Hugging Face model folder: config.json, preprocessor_config.json and onnx/*.onnx. */
function isModelFolder(dir) {
  return (
    existsSync(join(dir, 'config.json')) &&
    existsSync(join(dir, 'preprocessor_config.json')) &&
    existsSync(join(dir, 'onnx')) &&
    readdirSync(join(dir, 'onnx')).some((n) => n.endsWith('.onnx'))
  );
}

/** `.onnx` files and model folders (`{ folder }`) under `dir`, `depth` levels deep. */
function onnxFiles(dir, depth) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const info = statSync(path);
    if (info.isDirectory() && isModelFolder(path)) out.push({ folder: path });
    else if (info.isDirectory() && depth > 0) out.push(...onnxFiles(path, depth - 1));
    else if (info.isFile() && name.endsWith('.onnx')) out.push(path);
  }
  return out;
}

const slug = (text) => text.replace(/[^A-Za-z0-9._-]+/g, '-');

/**
 * Every model and photo the gallery offers: `{ models: [{ id, name, file | folder, config }],
 * images: [{ id, name, file }] }` (absolute paths).
 */
export function findCatalog(env = process.env) {
  const models = [];
  const images = [];
  const add = (file, name) => {
    if (typeof file === 'object') {
      // A model folder: its own files say the preprocessing and the labels.
      const id = slug(`${models.length}-${basename(file.folder)}`);
      models.push({ id, name: name ?? basename(file.folder), folder: file.folder, config: {} });
      return;
    }
    const id = slug(`${models.length}-${basename(file)}`);
    models.push({ id, name, file, config: configFor(file) });
  };
  const defaults = join(repoRoot, 'models', 'default');
  for (const file of onnxFiles(defaults, 0)) add(file, `default: ${basename(file, '.onnx')}`);
  add({ folder: join(repoRoot, 'models', 'vit') }, 'default: ViT (model folder)');
  const samples = join(defaults, 'samples');
  if (existsSync(samples)) {
    for (const name of readdirSync(samples).sort()) {
      if (/\.(png|jpe?g)$/i.test(name) && !name.includes('.mask.')) {
        images.push({
          id: slug(`default-${name}`),
          name: `sample: ${name}`,
          file: join(samples, name),
        });
      }
    }
  }
  const shared = modelsDir(env);
  if (shared) {
    const files = onnxFiles(shared, 1);
    // Until models/default exists, the small MobileNet V1 (128×128, 1.9 MB) is the default.
    const small = files.findIndex((f) => typeof f === 'string' && /mobilenet_v1_0\.25_128/.test(f));
    if (models.length === 0 && small > 0) files.unshift(...files.splice(small, 1));
    for (const file of files)
      add(file, typeof file === 'object' ? undefined : basename(file, '.onnx'));
    const photos = join(shared, 'images');
    if (existsSync(photos)) {
      for (const name of readdirSync(photos).sort()) {
        if (/\.(png|jpe?g)$/i.test(name))
          images.push({ id: slug(name), name, file: join(photos, name) });
      }
    }
  }
  add(join(repoRoot, 'test', 'fixtures', 'saliency', 'small_cnn.onnx'), 'small CNN (test fixture)');
  return { models, images };
}

/**
 * The catalog as the pages read it (`/models/index.json`) and the URL path of every file in it:
 * `{ index, files: { '/models/<id>': absolute path } }`.
 */
export function catalogRoutes(catalog = findCatalog()) {
  const files = {};
  const index = {
    models: catalog.models.map((m) => {
      if (m.folder) {
        // Every file of the folder under /models/<id>/ (a URL ending in '/': a model folder).
        const url = `models/${m.id}/`;
        const walk = (dir, prefix) => {
          for (const name of readdirSync(dir)) {
            const path = join(dir, name);
            if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
            else files[`/${url}${prefix}${name}`] = path;
          }
        };
        walk(m.folder, '');
        return { id: m.id, name: m.name, url, config: m.config };
      }
      const url = `models/${m.id}`;
      files[`/${url}`] = m.file;
      return { id: m.id, name: m.name, url, config: m.config };
    }),
    images: catalog.images.map((i) => {
      const url = `images/${i.id}`;
      files[`/${url}`] = i.file;
      return { id: i.id, name: i.name, url };
    }),
  };
  return { index, files };
}

// Hugging Face / transformers.js model folders: `config.json` (labels) and
// `preprocessor_config.json` (resize, crop, rescale, normalize) turned into fv's one ModelConfig.
import { FvError } from '../errors.js';
import type { Fit, ModelConfig } from './config.js';

/** The two JSON files of a model folder, parsed, with the names to report them by. */
export interface HuggingFaceFiles {
  /** `config.json`, parsed. */
  readonly config: unknown;
  /** `preprocessor_config.json`, parsed. */
  readonly preprocessor: unknown;
  /** How to name the files in errors and notes. @defaultValue their plain file names */
  readonly names?: { readonly config?: string; readonly preprocessor?: string };
}

/** What {@link configFromHuggingFace} read. */
export interface HuggingFaceConfig {
  /** Labels, geometry and normalization as fv's config. */
  readonly config: ModelConfig;
  /** What the files say, one line per step, in the processor's order (for `fv inspect`). */
  readonly steps: readonly string[];
  /** Where fv does something other than what the files ask, and why. */
  readonly notes: readonly string[];
}

/** PIL's resampling filters, as `resample` numbers them. */
const RESAMPLE = ['nearest', 'lanczos', 'bilinear', 'bicubic', 'box', 'hamming'] as const;

type Json = Record<string, unknown>;

/**
 * Reads a Hugging Face image classifier's `config.json` and `preprocessor_config.json` (as
 * `transformers` and transformers.js use them) into a {@link ModelConfig}:
 *
 * - `id2label` → `labels`;
 * - `do_resize` + `size` (`{ shortest_edge }`, `{ height, width }`, or a number) + `do_center_crop`
 *   + `crop_size` (or ConvNeXt's `crop_pct`) → `fit`, `cropFraction`, `width`, `height`;
 * - `do_rescale` + `rescale_factor` → `scale`; `do_normalize` + `image_mean` + `image_std` →
 *   `mean`, `std`; RGB, channels first.
 *
 * The processors resize, then crop; fv resamples the same centre region bilinearly in one step.
 * @throws FvError `INVALID_CONFIG` naming the file and the field that is missing, mistyped or
 *   describes preprocessing fv cannot reproduce (a longest-edge resize, a crop larger than the
 *   resize, a non-square crop after a shortest-edge resize).
 */
export function configFromHuggingFace(files: HuggingFaceFiles): HuggingFaceConfig {
  const configName = files.names?.config ?? 'config.json';
  const preName = files.names?.preprocessor ?? 'preprocessor_config.json';
  const fail = (file: string, field: string | undefined, message: string): never => {
    throw new FvError('INVALID_CONFIG', `${file}: ${field ? `${field} ` : ''}${message}`, {
      file,
      ...(field ? { field } : {}),
    });
  };
  const object = (value: unknown, file: string): Json => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      fail(file, undefined, 'must hold a JSON object');
    return value as Json;
  };
  const model = object(files.config, configName);
  const pre = object(files.preprocessor, preName);
  const steps: string[] = [];
  const notes: string[] = [];
  const config: { -readonly [K in keyof ModelConfig]: ModelConfig[K] } = {
    layout: 'NCHW',
    colorOrder: 'RGB',
  };

  // Labels.
  const id2label = model.id2label;
  if (id2label === undefined) {
    notes.push(`${configName} has no id2label: classes are shown by number`);
  } else {
    if (typeof id2label !== 'object' || id2label === null || Array.isArray(id2label))
      fail(
        configName,
        'id2label',
        `must map class indices to labels, got ${JSON.stringify(id2label)}`,
      );
    const map = id2label as Json;
    const entries = Object.entries(map);
    const labels: string[] = [];
    for (const [key, value] of entries) {
      const index = Number(key);
      if (!/^\d+$/.test(key) || index >= entries.length)
        fail(configName, `id2label`, `key '${key}' is not a class index 0..${entries.length - 1}`);
      if (typeof value !== 'string')
        fail(configName, `id2label.${key}`, `must be a string, got ${JSON.stringify(value)}`);
      labels[index] = value as string;
    }
    config.labels = labels;
  }

  // Field readers: absent → undefined; present with a wrong type → INVALID_CONFIG.
  const bool = (field: string, fallback: boolean): boolean => {
    const v = pre[field];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean')
      fail(preName, field, `must be true or false, got ${JSON.stringify(v)}`);
    return v as boolean;
  };
  const positive = (value: unknown, field: string): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      fail(preName, field, `must be a positive number, got ${JSON.stringify(value)}`);
    return value as number;
  };
  const numbers = (field: string): number[] | undefined => {
    const v = pre[field];
    if (v === undefined || v === null) return undefined;
    const list = typeof v === 'number' ? [v] : v;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      list.some((x) => typeof x !== 'number' || !Number.isFinite(x))
    )
      fail(preName, field, `must be a number or a list of numbers, got ${JSON.stringify(v)}`);
    return list as number[];
  };
  /** `{ height, width }`, `{ shortest_edge }` or a number. */
  const sizeOf = (
    field: string,
  ): { shortestEdge: number } | { height: number; width: number } | number | undefined => {
    const v = pre[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return positive(v, field);
    const o = object(v, preName);
    if (o.longest_edge !== undefined)
      fail(
        preName,
        `${field}.longest_edge`,
        'is not supported (fv fits images to the fixed input of a classifier: give shortest_edge or height and width)',
      );
    if (o.shortest_edge !== undefined)
      return { shortestEdge: positive(o.shortest_edge, `${field}.shortest_edge`) };
    if (o.height === undefined || o.width === undefined)
      fail(
        preName,
        field,
        `must have shortest_edge, or height and width; got ${JSON.stringify(v)}`,
      );
    return {
      height: positive(o.height, `${field}.height`),
      width: positive(o.width, `${field}.width`),
    };
  };

  // Geometry: resize, then centre crop.
  const doResize = bool('do_resize', true);
  const doCrop = bool('do_center_crop', false);
  const size = sizeOf('size');
  const crop = sizeOf('crop_size');
  const cropPct =
    pre.crop_pct === undefined || pre.crop_pct === null
      ? undefined
      : positive(pre.crop_pct, 'crop_pct');
  if (doResize && size === undefined) fail(preName, 'size', 'is missing while do_resize is true');
  if (doCrop && crop === undefined)
    fail(preName, 'crop_size', 'is missing while do_center_crop is true');
  const cropBox =
    crop === undefined
      ? undefined
      : typeof crop === 'number'
        ? { height: crop, width: crop }
        : 'shortestEdge' in crop
          ? fail(preName, 'crop_size', 'must be height and width (or a number), not shortest_edge')
          : crop;
  let fit: Fit = 'stretch';
  let fraction = 1;
  let box: { height: number; width: number } | undefined = doCrop ? cropBox : undefined;
  if (doResize && size !== undefined) {
    // A plain number is a shortest edge when a crop follows (CLIP, ConvNeXt), a square otherwise.
    const resize =
      typeof size === 'number'
        ? doCrop
          ? { shortestEdge: size }
          : { height: size, width: size }
        : size;
    if ('shortestEdge' in resize) {
      const edge = resize.shortestEdge;
      fit = 'center-crop';
      if (cropPct !== undefined && !doCrop) {
        // ConvNeXt: below 384, resize the shortest edge to edge / crop_pct, crop edge × edge.
        if (edge < 384) {
          fraction = cropPct;
          steps.push(
            `resize shortest edge to ${+(edge / cropPct).toFixed(2)} (crop_pct ${cropPct})`,
          );
          steps.push(`centre crop ${edge}×${edge}`);
        } else {
          fit = 'stretch';
          steps.push(`resize to ${edge}×${edge} (crop_pct ignored from 384 up, as ConvNeXt does)`);
        }
        box = { height: edge, width: edge };
      } else if (box) {
        if (box.height !== box.width)
          fail(
            preName,
            'crop_size',
            `${box.width}×${box.height} is not square; fv reproduces a shortest_edge resize only with a square crop`,
          );
        if (box.height > edge)
          fail(
            preName,
            'crop_size',
            `${box.height} is larger than size.shortest_edge ${edge} (the processor would pad)`,
          );
        fraction = box.height / edge;
        steps.push(`resize shortest edge to ${edge}`);
        steps.push(`centre crop ${box.width}×${box.height}`);
      } else {
        steps.push(`resize shortest edge to ${edge}`);
        notes.push(
          `${preName}: a shortest_edge resize without a centre crop keeps the image's aspect ratio; fv crops the centre to the model's input size`,
        );
        const side = typeof model.image_size === 'number' ? model.image_size : undefined;
        if (side !== undefined && side !== edge)
          notes.push(`${configName}: image_size ${side} differs from size.shortest_edge ${edge}`);
        box = { height: edge, width: edge };
      }
    } else {
      steps.push(`resize to ${resize.width}×${resize.height}`);
      if (box) {
        const fy = box.height / resize.height;
        const fx = box.width / resize.width;
        if (fy > 1 || fx > 1)
          fail(
            preName,
            'crop_size',
            `${box.width}×${box.height} is larger than the resize ${resize.width}×${resize.height} (the processor would pad)`,
          );
        if (Math.abs(fy - fx) > 1e-9)
          fail(
            preName,
            'crop_size',
            `${box.width}×${box.height} keeps a different share of each side of ${resize.width}×${resize.height}; fv crops the same share of both`,
          );
        fraction = fy;
        steps.push(`centre crop ${box.width}×${box.height}`);
      } else box = resize;
    }
  } else if (box) {
    steps.push(`centre crop ${box.width}×${box.height} (no resize)`);
    notes.push(
      `${preName}: do_resize is false; fv resizes the centre crop's share of the image to the model size`,
    );
  } else {
    notes.push(`${preName}: do_resize is false; fv resizes the image to the model's input size`);
  }
  config.fit = fit;
  config.cropFraction = fraction;
  if (box) {
    config.width = box.width;
    config.height = box.height;
  }
  const resample = pre.resample;
  if (resample !== undefined && resample !== null) {
    if (typeof resample !== 'number' || !Number.isInteger(resample) || !RESAMPLE[resample])
      fail(
        preName,
        'resample',
        `must be a PIL filter number 0..5, got ${JSON.stringify(resample)}`,
      );
    const name = RESAMPLE[resample as number]!;
    if (doResize && name !== 'bilinear')
      notes.push(
        `${preName}: resample ${resample} (${name}); fv resamples bilinearly in one step (maps and scores differ slightly from the processor's)`,
      );
  }

  // Values.
  const doRescale = bool('do_rescale', true);
  const factor =
    pre.rescale_factor === undefined || pre.rescale_factor === null
      ? 1 / 255
      : positive(pre.rescale_factor, 'rescale_factor');
  config.scale = doRescale ? factor : 1;
  steps.push(doRescale ? `rescale by ${+factor.toPrecision(6)}` : 'no rescale');
  if (bool('do_normalize', true)) {
    const mean = numbers('image_mean');
    const std = numbers('image_std');
    if (!mean) fail(preName, 'image_mean', 'is missing while do_normalize is true');
    if (!std) fail(preName, 'image_std', 'is missing while do_normalize is true');
    if (std!.some((s) => s === 0)) fail(preName, 'image_std', 'must not contain 0');
    config.mean = mean!;
    config.std = std!;
    steps.push(`normalize with mean [${mean!.join(', ')}], std [${std!.join(', ')}]`);
  } else {
    config.mean = [0];
    config.std = [1];
    steps.push('no normalization');
  }
  return { config, steps, notes };
}

import type { EngineInfo, TensorInfo } from '../engine.js';
import { FvError } from '../errors.js';

/** Memory layout of an image tensor: channels first (`NCHW`, PyTorch/ONNX) or last (`NHWC`, TensorFlow). */
export type Layout = 'NCHW' | 'NHWC';

/** Order of the colour channels the model expects. */
export type ColorOrder = 'RGB' | 'BGR';

/**
 * How an image is fitted to the model's width × height.
 * - `stretch`: the centre `cropFraction` of each side of the image is resized to the model size
 *   (the aspect ratio is not kept); with `cropFraction` 1, the whole image.
 * - `center-crop`: the largest centred region with the model's aspect ratio, times
 *   `cropFraction` per side, is resized to the model size: a shortest-edge resize to
 *   side / `cropFraction` followed by a centre crop of the model size (torchvision's `Resize(256)`
 *   + `CenterCrop(224)` and Hugging Face's `size.shortest_edge` 256 + `crop_size` 224 are
 *   `cropFraction` 0.875).
 */
export type Fit = 'stretch' | 'center-crop';

/**
 * How a model wants its input image: geometry (`fit`, `cropFraction`, size), then a pixel value
 * `p` in 0..255 of channel `c` becomes `(p · scale − mean[c]) / std[c]`, in the model's colour
 * order and layout. One resampling (bilinear) goes from the image to the model size.
 */
export interface ModelConfig {
  /**
   * A named normalization preset ({@link presets}) applied under the other fields: what this
   * config sets itself wins. An unknown name is an `INVALID_ARGUMENT` error.
   */
  readonly preset?: PresetName;
  /**
   * Name of the model input. @defaultValue the input named `pixel_values` (Hugging Face exports)
   * when there is one, else the engine's first input
   */
  readonly input?: string;
  /**
   * Name of the output holding the class scores (pre-softmax logits). @defaultValue the output
   * named `logits` when there is one, else the engine's first output
   */
  readonly logits?: string;
  /** How the image is fitted to the model size; see {@link Fit}. @defaultValue `'stretch'` */
  readonly fit?: Fit;
  /** Share of each side kept by the centre crop, in (0, 1]; see {@link Fit}. @defaultValue 1 */
  readonly cropFraction?: number;
  /** Input width in pixels. @defaultValue read from the model's input shape */
  readonly width?: number;
  /** Input height in pixels. @defaultValue read from the model's input shape */
  readonly height?: number;
  /** @defaultValue `'NHWC'` when the input shape's last axis is 1 or 3 and axis 1 is not, else `'NCHW'` */
  readonly layout?: Layout;
  /** 1 (grayscale, luma of RGB) or 3. @defaultValue read from the input shape, else 3 */
  readonly channels?: 1 | 3;
  /** @defaultValue `'RGB'` */
  readonly colorOrder?: ColorOrder;
  /** Multiplies 0..255 pixel values first. @defaultValue `1 / 255` */
  readonly scale?: number;
  /** Subtracted per channel (model colour order) after scaling. @defaultValue `[0, 0, 0]` */
  readonly mean?: readonly number[];
  /** Divides per channel after subtracting the mean. @defaultValue `[1, 1, 1]` */
  readonly std?: readonly number[];
  /**
   * Valid range of the normalized input, used to clip dream results and to draw uniform
   * baselines. @defaultValue the image of pixel values 0 and 255 under the normalization
   */
  readonly valueRange?: readonly [number, number];
  /** Class names, index-aligned with the logits. */
  readonly labels?: readonly string[];
}

/** A {@link ModelConfig} with every field decided. */
export interface ResolvedModelConfig {
  readonly input: string;
  readonly logits: string;
  readonly fit: Fit;
  readonly cropFraction: number;
  readonly width: number;
  readonly height: number;
  readonly layout: Layout;
  readonly channels: 1 | 3;
  readonly colorOrder: ColorOrder;
  readonly scale: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly valueRange: readonly [number, number];
  readonly labels?: readonly string[];
}

/** TensorFlow / Keras MobileNet and Inception: `(p − 128) / 128` ≈ [−1, 1]. */
const tensorflow = {
  colorOrder: 'RGB',
  scale: 1,
  mean: [128, 128, 128],
  std: [128, 128, 128],
} as const satisfies ModelConfig;

/**
 * Normalization presets of common model families, by name: the one registry the library and the
 * CLI (`--preset`, the sidecar's `preset`) share. Name one in a config (`{ preset: 'torchvision',
 * labels }`) or spread `preset(name)`; both reject unknown names.
 */
export const presets = Object.freeze({
  /** torchvision / ImageNet: RGB in [0, 1], then mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225). */
  torchvision: {
    colorOrder: 'RGB',
    scale: 1 / 255,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  },
  /** TensorFlow / Keras MobileNet and Inception: `(p − 128) / 128` ≈ [−1, 1]. */
  tensorflow,
  /** The TensorFlow MobileNets (the `.onnx` exports of the TF-slim checkpoints): `tensorflow`'s numbers. */
  'tf-mobilenet': tensorflow,
  /** Caffe (VGG, ResNet-50 Caffe): BGR, 0..255 minus the ImageNet BGR mean. */
  caffe: {
    colorOrder: 'BGR',
    scale: 1,
    mean: [103.939, 116.779, 123.68],
    std: [1, 1, 1],
  },
  /** MNIST: one grayscale channel in [0, 1]. */
  mnist: { channels: 1, scale: 1 / 255, mean: [0], std: [1] },
} as const satisfies Record<string, ModelConfig>);

/** The name of a preset in {@link presets}. */
export type PresetName = keyof typeof presets;

/** Every preset name, in registry order. */
export const presetNames: readonly PresetName[] = Object.freeze(
  Object.keys(presets) as PresetName[],
);

/**
 * The preset named `name`, as a config to spread under your own fields
 * (`{ ...preset('torchvision'), labels }`).
 * @throws FvError `INVALID_ARGUMENT` naming the known presets when `name` is not one of them
 */
export function preset(name: string): ModelConfig {
  if (!Object.hasOwn(presets, name)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Unknown preset '${String(name)}' (presets: ${presetNames.join(', ')})`,
      { preset: name, presets: presetNames },
    );
  }
  return presets[name as PresetName];
}

const perChannel = (values: readonly number[], channels: number, what: string): number[] => {
  if (values.length === channels) return [...values];
  if (values.length === 1) return Array.from({ length: channels }, () => values[0]!);
  if (channels === 1 && values.length === 3) {
    // A 3-channel preset on a grayscale model: use the mean of the channel values.
    return [(values[0]! + values[1]! + values[2]!) / 3];
  }
  throw new FvError(
    'INVALID_ARGUMENT',
    `ModelConfig.${what} has ${values.length} values but the model has ${channels} channels`,
  );
};

const parseList = (text: string): number[] | undefined => {
  const trimmed = text.trim().replace(/^\[|\]$/g, '');
  const values = trimmed
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
  return values.length > 0 && values.every(Number.isFinite) ? values : undefined;
};

/**
 * Reads preprocessing hints from ONNX `metadata_props` (as `inspectModel` reports them): keys
 * `mean`, `std`, `scale` (number lists, JSON or comma separated), `layout` (`NCHW`/`NHWC`),
 * `color_order` (`RGB`/`BGR`) and `labels` (JSON array or one per line). Unknown keys are ignored.
 */
export function configFromMetadata(metadata: Readonly<Record<string, string>>): ModelConfig {
  const config: { -readonly [K in keyof ModelConfig]: ModelConfig[K] } = {};
  const mean = metadata.mean !== undefined ? parseList(metadata.mean) : undefined;
  const std = metadata.std !== undefined ? parseList(metadata.std) : undefined;
  const scale = metadata.scale !== undefined ? parseList(metadata.scale) : undefined;
  if (mean) config.mean = mean;
  if (std) config.std = std;
  if (scale?.length === 1) config.scale = scale[0]!;
  const layout = metadata.layout?.toUpperCase();
  if (layout === 'NCHW' || layout === 'NHWC') config.layout = layout;
  const order = (metadata.color_order ?? metadata.colorOrder)?.toUpperCase();
  if (order === 'RGB' || order === 'BGR') config.colorOrder = order;
  if (metadata.labels !== undefined) {
    const text = metadata.labels.trim();
    try {
      const parsed: unknown = text.startsWith('[') ? JSON.parse(text) : undefined;
      config.labels = Array.isArray(parsed)
        ? parsed.map(String)
        : text.split(/\r?\n/).filter((line) => line.length > 0);
    } catch {
      config.labels = text.split(/\r?\n/).filter((line) => line.length > 0);
    }
  }
  return config;
}

const staticDim = (d: number | string | null | undefined): number | undefined =>
  typeof d === 'number' && d > 0 ? d : undefined;

/**
 * Decides every preprocessing field: what `config` says wins, then its `preset`, then the model's
 * own config (`info.config`, from a model folder), then what the engine's input shape says (size,
 * layout, channel count), then the defaults documented on {@link ModelConfig}.
 * @throws FvError `UNKNOWN_TENSOR` when `config.input` or `config.logits` is not a model input/output,
 *   `INVALID_ARGUMENT` when the preset is unknown, the size cannot be decided, mean/std lengths do
 *   not fit or `fit` / `cropFraction` is not a valid value.
 */
export function resolveModelConfig(
  info: EngineInfo,
  callerConfig: ModelConfig = {},
  /** `[height, width]` to use when neither the model nor `config` fixes the size. */
  fallbackSize?: readonly [number, number],
): ResolvedModelConfig {
  const expand = (c: ModelConfig): ModelConfig =>
    c.preset === undefined ? c : { ...preset(c.preset), ...c };
  const config: ModelConfig = { ...expand(info.config ?? {}), ...expand(callerConfig) };
  const inputInfo = config.input
    ? info.inputs.find((i) => i.name === config.input)
    : (info.inputs.find((i) => i.name === 'pixel_values') ?? info.inputs[0]);
  if (!inputInfo) {
    throw new FvError(
      'UNKNOWN_TENSOR',
      config.input
        ? `Model input '${config.input}' does not exist (inputs: ${info.inputs.map((i) => i.name).join(', ')})`
        : 'The model has no inputs',
    );
  }
  const logits =
    config.logits ?? (info.outputs.find((o) => o.name === 'logits') ?? info.outputs[0])?.name;
  if (!logits) throw new FvError('UNKNOWN_TENSOR', 'The model has no outputs');
  const dims = inputInfo.dims;
  let layout = config.layout;
  if (!layout && dims.length === 4) {
    const d1 = staticDim(dims[1]);
    const d3 = staticDim(dims[3]);
    // Channels first when axis 1 is 1 or 3; channels last when axis 3 is and axis 1 is not.
    const isChannels = (d: number | undefined) => d === 1 || d === 3;
    layout = !isChannels(d1) && isChannels(d3) ? 'NHWC' : 'NCHW';
  }
  layout ??= 'NCHW';
  const [cAxis, hAxis, wAxis] = layout === 'NCHW' ? [1, 2, 3] : [3, 1, 2];
  const modelChannels = staticDim(dims[cAxis]);
  const channels = config.channels ?? (modelChannels === 1 ? 1 : 3);
  if (modelChannels !== undefined && modelChannels !== channels) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `ModelConfig.channels is ${channels} but input '${inputInfo.name}' has ${modelChannels} channels`,
    );
  }
  const height = config.height ?? staticDim(dims[hAxis]) ?? fallbackSize?.[0];
  const width = config.width ?? staticDim(dims[wAxis]) ?? fallbackSize?.[1];
  if (height === undefined || width === undefined) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Input '${inputInfo.name}' has free spatial dimensions [${dims.join(', ')}]; set ModelConfig.width and height`,
    );
  }
  const fit = config.fit ?? 'stretch';
  if (fit !== 'stretch' && fit !== 'center-crop') {
    throw new FvError(
      'INVALID_ARGUMENT',
      `ModelConfig.fit must be 'stretch' or 'center-crop', got '${String(fit)}'`,
    );
  }
  const cropFraction = config.cropFraction ?? 1;
  if (!(typeof cropFraction === 'number' && cropFraction > 0 && cropFraction <= 1)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `ModelConfig.cropFraction must be in (0, 1], got ${String(cropFraction)}`,
    );
  }
  const scale = config.scale ?? 1 / 255;
  const mean = perChannel(config.mean ?? [0], channels, 'mean');
  const std = perChannel(config.std ?? [1], channels, 'std');
  let valueRange = config.valueRange;
  if (!valueRange) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < channels; c++) {
      const a = (0 - mean[c]!) / std[c]!;
      const b = (255 * scale - mean[c]!) / std[c]!;
      lo = Math.min(lo, a, b);
      hi = Math.max(hi, a, b);
    }
    valueRange = [lo, hi];
  }
  return {
    input: inputInfo.name,
    logits,
    fit,
    cropFraction,
    width,
    height,
    layout,
    channels,
    colorOrder: config.colorOrder ?? 'RGB',
    scale,
    mean,
    std,
    valueRange,
    ...(config.labels ? { labels: config.labels } : {}),
  };
}

/**
 * The image input's dims with its free height and width set from `config` (a Hugging Face export
 * declares them free; its preprocessor says the size), for shape inference (`@fv/autodiff`'s
 * `inputShapes`); the batch dim stays as declared. `undefined` when the input is static or the
 * config gives no size.
 */
export function configuredInputShapes(
  inputs: readonly TensorInfo[],
  config: ModelConfig | undefined,
): Record<string, (number | string)[]> | undefined {
  if (config?.width === undefined || config.height === undefined) return undefined;
  const input =
    inputs.find((i) => i.name === config.input) ??
    inputs.find((i) => i.name === 'pixel_values') ??
    inputs[0];
  const dims = input?.dims;
  if (!input || dims?.length !== 4) return undefined;
  const [hAxis, wAxis] = config.layout === 'NHWC' ? [1, 2] : [2, 3];
  if (typeof dims[hAxis] === 'number' && typeof dims[wAxis] === 'number') return undefined;
  const fixed = dims.map((d, i) =>
    i === hAxis ? config.height! : i === wAxis ? config.width! : (d ?? `?${i}`),
  );
  return { [input.name]: fixed };
}

/** The normalized value of 0..255 pixel value `pixel` in model channel `channel`. */
export function normalizePixel(
  config: ResolvedModelConfig,
  pixel: number,
  channel: number,
): number {
  return (pixel * config.scale - config.mean[channel]!) / config.std[channel]!;
}

/**
 * The normalization as seen from RGB values in [0, 1] (Lucid's convention, where pixel = 255 ·
 * rgb): model channel c gets `(rgb[k] − mean[c]) / std[c]`, k the RGB channel the model's colour
 * order puts at c (the luma for one channel is the caller's business).
 */
export function inputNormalization(config: ResolvedModelConfig): {
  readonly mean: readonly number[];
  readonly std: readonly number[];
} {
  const k = 255 * config.scale;
  return { mean: config.mean.map((m) => m / k), std: config.std.map((s) => s / k) };
}

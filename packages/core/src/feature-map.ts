// Where a layer's values sit on the image: the layouts `@fv/autodiff`'s `inspectModel` reports
// (grids of convolutional feature maps, channels first or last; token sequences of vision
// transformers, patch tokens on a grid after class or distillation tokens), the attention
// probabilities it finds, and the one conversion of any such layer to channel planes over the
// patch grid that Grad-CAM, Score-CAM, activations and unit objectives use.
import { FvError } from './errors.js';
import type { Tensor } from './tensor.js';

/** A tensor whose axes include the rows and columns of a grid over the image. */
export interface GridLayout {
  readonly kind: 'grid';
  readonly rowAxis: number;
  readonly colAxis: number;
  /** The channel axis (1 for NCHW feature maps, the last for channels-last ones such as Swin's). */
  readonly channelAxis: number | null;
  readonly rows: number;
  readonly cols: number;
  readonly channels: number | null;
  /** Input pixels per grid cell, [height, width]. */
  readonly cell: readonly [number, number];
}

/** What a token that is not a patch is, by position (class first, then distillation, DeiT). */
export type ExtraToken = 'class' | 'distillation' | 'register';

/** A sequence of tokens: `prefix` tokens, then one token per cell of a `rows` × `cols` grid. */
export interface TokenLayout {
  readonly kind: 'tokens';
  readonly tokenAxis: number;
  /** The hidden (channel) axis, or `null` where channels are split into heads. */
  readonly channelAxis: number | null;
  /** Sequence length: prefix + rows·cols + suffix. */
  readonly length: number;
  readonly channels: number | null;
  /** Tokens before the patch tokens, in order. */
  readonly prefix: readonly ExtraToken[];
  /** Tokens after the patch tokens (rare). */
  readonly suffix: number;
  /** Patch token `prefix.length + r·cols + c` covers grid cell (r, c). */
  readonly rows: number;
  readonly cols: number;
  readonly cell: readonly [number, number];
}

/** Where a tensor's values sit on the image. */
export type ImageLayout = GridLayout | TokenLayout;

/** A Softmax output holding attention probabilities. */
export interface AttentionMap {
  /** The Softmax output. */
  readonly tensor: string;
  /** The Softmax input: the (scaled, biased, masked) query·key scores. */
  readonly scores: string;
  readonly dims: readonly number[];
  /** Axes of queries and keys (the Softmax runs over the key axis). */
  readonly queryAxis: number;
  readonly keyAxis: number;
  /** The heads axis and count (`[batch, heads, queries, keys]`, or heads merged into the batch). */
  readonly headAxis: number | null;
  readonly heads: number | null;
  /**
   * The queries' (and keys') token layout when the attention runs over the image's tokens; `null`
   * for attention within windows (Swin) or over tokens merged into the batch (MobileViT).
   */
  readonly tokens: TokenLayout | null;
}

/** A layer's values for one image as channel planes over its grid: `data[c · height · width + y · width + x]`. */
export interface FeatureMap {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly data: Float32Array;
}

interface Placement {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Element offset of (channel c, row y, column x) in the first batch item. */
  offset(c: number, y: number, x: number): number;
}

const stridesOf = (dims: readonly number[]): number[] => {
  const strides = new Array<number>(dims.length);
  let s = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= dims[i]!;
  }
  return strides;
};

/**
 * How the first batch item of a tensor with `dims` maps onto channel planes: by `layout` when
 * given, else NCHW `[N, C, H, W]` or a vector `[N, K]` (K channels of 1×1).
 */
function placement(dims: readonly number[], layer: string, layout?: ImageLayout): Placement {
  const shape = `[${dims.join(', ')}]`;
  if (layout) {
    const { channelAxis } = layout;
    const used =
      layout.kind === 'grid'
        ? [layout.rowAxis, layout.colAxis, channelAxis]
        : [layout.tokenAxis, channelAxis];
    const other = dims.findIndex((d, i) => i !== 0 && d !== 1 && !used.includes(i));
    if (channelAxis === null || other >= 0 || dims.length <= Math.max(...(used as number[]))) {
      throw new FvError(
        'SHAPE_MISMATCH',
        `Layer '${layer}' of shape ${shape} has no single channel axis next to its ${layout.kind === 'grid' ? 'grid' : 'tokens'} (channels split into heads or windows); choose a layer of the residual stream`,
        { layer },
      );
    }
    const st = stridesOf(dims);
    const channels = dims[channelAxis]!;
    if (layout.kind === 'grid') {
      const [ry, cx, cc] = [st[layout.rowAxis]!, st[layout.colAxis]!, st[channelAxis]!];
      return {
        channels,
        height: dims[layout.rowAxis]!,
        width: dims[layout.colAxis]!,
        offset: (c, y, x) => c * cc + y * ry + x * cx,
      };
    }
    if (dims[layout.tokenAxis] !== layout.length) {
      throw new FvError(
        'SHAPE_MISMATCH',
        `Layer '${layer}' of shape ${shape} does not hold ${layout.length} tokens on axis ${layout.tokenAxis}`,
        { layer },
      );
    }
    const [tk, cc] = [st[layout.tokenAxis]!, st[channelAxis]!];
    const first = layout.prefix.length;
    const cols = layout.cols;
    return {
      channels,
      height: layout.rows,
      width: cols,
      offset: (c, y, x) => c * cc + (first + y * cols + x) * tk,
    };
  }
  if (dims.length === 4) {
    const [, c, h, w] = dims as [number, number, number, number];
    return { channels: c, height: h, width: w, offset: (k, y, x) => (k * h + y) * w + x };
  }
  if (dims.length === 2) return { channels: dims[1]!, height: 1, width: 1, offset: (k) => k };
  throw new FvError(
    'SHAPE_MISMATCH',
    `Layer '${layer}' has shape ${shape}; expected an NCHW feature map [N, C, H, W], a vector [N, C], or a layer whose layout fv knows (engine.info.layers[].layout: a grid or a token sequence)`,
    { layer },
  );
}

/**
 * A layer's first batch item as channel planes over its grid: NCHW maps as they are, channels-last
 * grids transposed, and vision-transformer token sequences reshaped to the patch grid with the
 * class, distillation and other extra tokens dropped (pytorch-grad-cam's `reshape_transform`).
 * @throws FvError `SHAPE_MISMATCH` for a layer that cannot be seen as channels over a grid.
 */
export function featureMap(tensor: Tensor, layer: string, layout?: ImageLayout): FeatureMap {
  const p = placement(tensor.dims, layer, layout);
  const { channels, height, width } = p;
  const data = new Float32Array(channels * height * width);
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        data[(c * height + y) * width + x] = tensor.data[p.offset(c, y, x)]!;
  return { channels, height, width, data };
}

/**
 * The inverse of {@link featureMap} for seeds: a tensor shaped `[batch, ...dims.slice(1)]` (zero
 * wherever a feature map has no element, such as extra tokens) whose batch item b holds
 * `maps[b]` placed back by the layout.
 */
export function featureMapTensor(
  maps: readonly FeatureMap[],
  dims: readonly number[],
  layer: string,
  layout?: ImageLayout,
): Tensor {
  const p = placement(dims, layer, layout);
  const item = dims.slice(1).reduce((a, b) => a * b, 1);
  const data = new Float32Array(maps.length * item);
  maps.forEach((m, b) => {
    for (let c = 0; c < p.channels; c++)
      for (let y = 0; y < p.height; y++)
        for (let x = 0; x < p.width; x++)
          data[b * item + p.offset(c, y, x)] = m.data[(c * p.height + y) * p.width + x]!;
  });
  return { data, dims: [maps.length, ...dims.slice(1)] };
}

/** The grid (rows × columns) and channel count a layer shows as planes, or `undefined` when it cannot. */
export function featureMapShape(
  dims: readonly number[],
  layer: string,
  layout?: ImageLayout,
): { channels: number; height: number; width: number } | undefined {
  try {
    const { channels, height, width } = placement(dims, layer, layout);
    return { channels, height, width };
  } catch {
    return undefined;
  }
}

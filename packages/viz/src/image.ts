import { FvError, type Map2D, type RgbaImage, type Tensor } from '@fv/core';

// Images and maps are @fv/core's types (an `ImageData` fits `RgbaImage`); viz draws them.
export type { Map2D, RgbaImage };

/** An 8-bit RGB colour. */
export type Rgb = readonly [r: number, g: number, b: number];
/** An 8-bit RGBA colour (alpha 255 is opaque). */
export type Rgba = readonly [r: number, g: number, b: number, a: number];
/** A colour: an RGB or RGBA tuple of 0..255 values, or a CSS hex string (`#rgb`, `#rrggbb`, `#rrggbbaa`). */
export type Color = Rgb | Rgba | string;

function checkSize(what: string, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${what} size must be positive integers, got ${width}×${height}`,
      { width, height },
    );
  }
}

/**
 * `{ data, width, height }`. Kernels return through this call rather than an object literal after
 * their hot loop: V8 deoptimizes on-stack-replaced loops that end in an object literal, on every
 * call.
 */
export function imageOf(data: Uint8ClampedArray, width: number, height: number): RgbaImage {
  return { data, width, height };
}

/**
 * The pixel buffer to draw a `width × height` result into: `into`'s (checked) or a fresh one.
 * @throws FvError `SHAPE_MISMATCH` when `into` has another size; `INVALID_ARGUMENT` when its
 * bytes are not 4-byte aligned (a subarray at an odd offset).
 */
export function outputBuffer(
  into: RgbaImage | undefined,
  width: number,
  height: number,
): Uint8ClampedArray {
  if (!into) return new Uint8ClampedArray(width * height * 4);
  assertImage(into, 'into');
  if (into.width !== width || into.height !== height) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `into is ${into.width}×${into.height} but the result is ${width}×${height}`,
    );
  }
  if (into.data.byteOffset % 4 !== 0) {
    throw new FvError('INVALID_ARGUMENT', 'into.data must start at a multiple of 4 bytes');
  }
  return into.data;
}

/** A new image of the given size, filled with `fill` (transparent black by default). */
export function createImage(width: number, height: number, fill?: Color): RgbaImage {
  checkSize('Image', width, height);
  const data = new Uint8ClampedArray(width * height * 4);
  if (fill !== undefined) {
    const [r, g, b, a] = parseColor(fill);
    for (let i = 0; i < data.length; i += 4) {
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
      data[i + 3] = a;
    }
  }
  return imageOf(data, width, height);
}

/**
 * Makes a {@link Map2D}, checking that `data` holds `width × height` values.
 * @throws FvError `SHAPE_MISMATCH` when the lengths differ, `INVALID_ARGUMENT` for a bad size.
 */
export function createMap2D(
  data: Float32Array | readonly number[],
  width: number,
  height: number,
): Map2D {
  checkSize('Map', width, height);
  const array = isTypedArray(data, 'Float32Array')
    ? (data as Float32Array)
    : Float32Array.from(data);
  if (array.length !== width * height) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `Map data has ${array.length} values but ${width}×${height} needs ${width * height}`,
    );
  }
  return { data: array, width, height };
}

/** How {@link mapFromTensor} reduces the channels of an attribution to one value per pixel. */
export type ChannelReduction = 'sum' | 'sum-abs' | 'mean' | 'max-abs';

/** Options of {@link mapFromTensor}. */
export interface MapFromTensorOptions {
  /**
   * `sum`: signed sum over channels (Captum's `visualize_image_attr`); `sum-abs`: sum of absolute
   * values (PAIR saliency's `VisualizeImageGrayscale`); `mean`; `max-abs`: largest magnitude,
   * sign kept.
   * @defaultValue `'sum'`
   */
  readonly reduce?: ChannelReduction;
  /**
   * Where the channel axis is. `chw` covers `[C, H, W]` and `[1, C, H, W]` (ONNX's NCHW);
   * `hwc` covers `[H, W, C]` and `[1, H, W, C]`. A `[H, W]` or `[1, H, W]` tensor has one channel.
   * @defaultValue `'chw'`
   */
  readonly layout?: 'chw' | 'hwc';
}

/**
 * Reduces an attribution tensor (for example an input gradient shaped like the NCHW image) to a
 * {@link Map2D}.
 * @throws FvError `SHAPE_MISMATCH` for a batch larger than 1 or a shape that is not an image.
 * @example
 * const map = mapFromTensor(gradient, { reduce: 'sum-abs' });
 */
export function mapFromTensor(tensor: Tensor, options: MapFromTensorOptions = {}): Map2D {
  const { reduce = 'sum', layout = 'chw' } = options;
  let dims = [...tensor.dims];
  if (dims.length === 4) {
    if (dims[0] !== 1) {
      throw new FvError(
        'SHAPE_MISMATCH',
        `mapFromTensor takes one image, got a batch of ${dims[0]} (shape [${dims.join(', ')}])`,
      );
    }
    dims = dims.slice(1);
  }
  let channels: number;
  let height: number;
  let width: number;
  if (dims.length === 2) {
    [height, width] = dims as [number, number];
    channels = 1;
  } else if (dims.length === 3) {
    if (layout === 'chw') [channels, height, width] = dims as [number, number, number];
    else [height, width, channels] = dims as [number, number, number];
  } else {
    throw new FvError(
      'SHAPE_MISMATCH',
      `mapFromTensor needs a [H, W], [C, H, W] or [1, C, H, W] tensor, got [${tensor.dims.join(', ')}]`,
    );
  }
  const n = width * height;
  const out = new Float32Array(n);
  const src = tensor.data;
  const channelStride = layout === 'chw' ? n : 1;
  const pixelStride = layout === 'chw' ? 1 : channels;
  for (let p = 0; p < n; p++) {
    const base = p * pixelStride;
    let acc = 0;
    let best = 0;
    for (let c = 0; c < channels; c++) {
      const v = src[base + c * channelStride]!;
      if (reduce === 'sum' || reduce === 'mean') acc += v;
      else if (reduce === 'sum-abs') acc += Math.abs(v);
      else if (Math.abs(v) > Math.abs(best) || c === 0) best = v;
    }
    out[p] = reduce === 'max-abs' ? best : reduce === 'mean' ? acc / channels : acc;
  }
  return createMap2D(out, width, height);
}

/**
 * Whether `value` is a typed array of the named kind. Checked by tag rather than `instanceof`, so
 * arrays from another realm (an iframe, jsdom, a Node `Buffer` in a DOM test) are recognised.
 */
function isTypedArray(
  value: unknown,
  kind: 'Uint8Array' | 'Uint8ClampedArray' | 'Float32Array',
): boolean {
  return ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === `[object ${kind}]`;
}

/** @throws FvError `INVALID_IMAGE` when `image` is not a consistent RGBA image. */
export function assertImage(image: RgbaImage, name = 'image'): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FvError('INVALID_IMAGE', `${name} has an invalid size ${width}×${height}`);
  }
  if (!isTypedArray(data, 'Uint8ClampedArray') || data.length !== width * height * 4) {
    throw new FvError(
      'INVALID_IMAGE',
      `${name} must hold ${width}×${height}×4 = ${width * height * 4} RGBA bytes in a Uint8ClampedArray, got ${data?.length ?? 'none'}`,
    );
  }
}

/** @throws FvError `SHAPE_MISMATCH` when `map` is not a consistent {@link Map2D}. */
export function assertMap(map: Map2D, name = 'map'): void {
  const { width, height, data } = map;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FvError('INVALID_ARGUMENT', `${name} has an invalid size ${width}×${height}`);
  }
  if (!isTypedArray(data, 'Float32Array') || data.length !== width * height) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `${name} must hold ${width}×${height} = ${width * height} values in a Float32Array, got ${data?.length ?? 'none'}`,
    );
  }
}

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

/**
 * Parses a {@link Color} into an RGBA tuple.
 * @throws FvError `INVALID_ARGUMENT` for a malformed colour.
 */
export function parseColor(color: Color): Rgba {
  if (typeof color === 'string') {
    if (!HEX.test(color)) {
      throw new FvError('INVALID_ARGUMENT', `Colour '${color}' is not #rgb, #rrggbb or #rrggbbaa`);
    }
    let hex = color.slice(1);
    if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
    if (hex.length === 6) hex += 'ff';
    const v = (i: number) => Number.parseInt(hex.slice(i, i + 2), 16);
    return [v(0), v(2), v(4), v(6)];
  }
  if (
    (color.length !== 3 && color.length !== 4) ||
    color.some((c) => !Number.isFinite(c) || c < 0 || c > 255)
  ) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Colour [${color.join(', ')}] must have 3 or 4 components in 0..255`,
    );
  }
  return [color[0], color[1], color[2], color.length === 4 ? color[3] : 255];
}

import { type Colormap, type ColormapName, getColormap } from './colormaps/colormap.js';
import { imageOf, type Map2D, outputBuffer, type RgbaImage } from './image.js';
import { heatIndexedKernel, heatLinearKernel, NO_VALUE } from './kernels.js';
import {
  type AttributionSign,
  colormapIndexer,
  linearIndex,
  type NormalizedMap,
  type NormalizeOptions,
  type PreparedMap,
  prepareMap,
} from './normalize.js';

/** Options of {@link colorize}. */
export interface ColorizeOptions extends NormalizeOptions {
  /**
   * Colormap: a built-in name, stops, or a resolved table.
   * @defaultValue by sign, as Captum: `Blues` for `absolute`, `Greens` for `positive`, `Reds` for
   * `negative`; `bwr` for `all` (Captum's red-white-green is not a matplotlib map; blue is
   * negative, white zero, red positive)
   */
  readonly colormap?: Colormap;
  /**
   * An image of the result's size to draw into instead of allocating a new one (for redrawing
   * every frame); it is returned. For `overlay` it may be the image itself.
   * @defaultValue a new image
   */
  readonly into?: RgbaImage;
}

/** The colormap Captum uses for each sign (`bwr` for `all`). */
export function defaultColormap(sign: AttributionSign = 'absolute'): ColormapName {
  switch (sign) {
    case 'positive':
      return 'Greens';
    case 'negative':
      return 'Reds';
    case 'all':
      return 'bwr';
    default:
      return 'Blues';
  }
}

/**
 * The colormap as 257 packed RGBA words in the platform's byte order: 256 opaque entries, then
 * transparent black for {@link NO_VALUE}.
 */
export function packedColormap(colormap: Colormap): Uint32Array {
  const { rgb } = getColormap(colormap);
  const table = new Uint32Array(NO_VALUE + 1);
  const bytes = new Uint8Array(table.buffer);
  for (let i = 0; i < 256; i++) {
    bytes[i * 4] = rgb[i * 3]!;
    bytes[i * 4 + 1] = rgb[i * 3 + 1]!;
    bytes[i * 4 + 2] = rgb[i * 3 + 2]!;
    bytes[i * 4 + 3] = 255;
  }
  return table;
}

/** Heat map pixels of a prepared map (one pass: sign, index, table lookup, store). */
export function heatMap(prepared: PreparedMap, colormap: Colormap, into?: RgbaImage): RgbaImage {
  const table = new Int32Array(packedColormap(colormap).buffer);
  const { source, a, b, width, height } = prepared;
  const data = outputBuffer(into, width, height);
  const words = new Int32Array(data.buffer, data.byteOffset, data.length >> 2);
  const linear = linearIndex(prepared);
  if (linear) heatLinearKernel(source, a, b, words, table, linear.low, linear.gain);
  else heatIndexedKernel(source, a, b, words, table, colormapIndexer(prepared));
  return imageOf(data, width, height);
}

/**
 * Draws an already normalized map with a colormap: value `t` in 0..1 (or −1..1 when `signed`)
 * takes table entry `floor(t · 256)` (or `floor((t + 1) · 128)`), clamped, as matplotlib does;
 * NaN is transparent black.
 */
export function colorizeNormalized(normalized: NormalizedMap, colormap: Colormap): RgbaImage {
  const { width, height, data: values, signed } = normalized;
  const range: readonly [number, number] = signed ? [-1, 1] : [0, 1];
  return heatMap({ source: values, a: 0, b: 1, width, height, signed, range, gamma: 1 }, colormap);
}

/**
 * Turns a map into an opaque RGBA heat map: normalization (see {@link normalizeMap}), then a
 * colormap lookup. Non-finite values are transparent.
 * @example
 * const heat = colorize(map, { colormap: 'viridis', normalize: 'min-max' });
 * const signed = colorize(map, { sign: 'all', colormap: 'RdBu', normalize: 'abs-max' });
 */
export function colorize(map: Map2D, options: ColorizeOptions = {}): RgbaImage {
  return heatMap(
    prepareMap(map, options, true),
    options.colormap ?? defaultColormap(options.sign),
    options.into,
  );
}

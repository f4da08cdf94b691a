import { type Colormap, type ColormapName, getColormap } from './colormaps/colormap.js';
import type { Map2D, RgbaImage } from './image.js';
import {
  type AttributionSign,
  type NormalizedMap,
  type NormalizeOptions,
  normalizeMap,
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

const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** The colormap as 256 packed RGBA words (alpha 255) in the platform's byte order. */
function packedTable(colormap: Colormap): Uint32Array {
  const { rgb } = getColormap(colormap);
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const r = rgb[i * 3]!;
    const g = rgb[i * 3 + 1]!;
    const b = rgb[i * 3 + 2]!;
    table[i] = littleEndian
      ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0
      : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
  }
  return table;
}

/**
 * Draws an already normalized map with a colormap: value `t` in 0..1 (or −1..1 when `signed`)
 * takes table entry `floor(t' · 256)` with `t' = t` (or `(t + 1) / 2`), as matplotlib does;
 * NaN is transparent black.
 */
export function colorizeNormalized(normalized: NormalizedMap, colormap: Colormap): RgbaImage {
  const table = packedTable(colormap);
  const { width, height, data: values, signed } = normalized;
  const n = width * height;
  const data = new Uint8ClampedArray(n * 4);
  const words = new Uint32Array(data.buffer);
  const gain = signed ? 128 : 256;
  const shift = signed ? 128 : 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    let k = (v * gain + shift) | 0;
    if (k > 255) k = 255;
    else if (k < 0) k = 0;
    words[i] = table[k]!;
  }
  return { data, width, height };
}

/**
 * Turns a map into an opaque RGBA heat map: normalization (see {@link normalizeMap}), then a
 * colormap lookup. Non-finite values are transparent.
 * @example
 * const heat = colorize(map, { colormap: 'viridis', normalize: 'min-max' });
 * const signed = colorize(map, { sign: 'all', colormap: 'RdBu', normalize: 'abs-max' });
 */
export function colorize(map: Map2D, options: ColorizeOptions = {}): RgbaImage {
  const normalized = normalizeMap(map, options);
  return colorizeNormalized(normalized, options.colormap ?? defaultColormap(options.sign));
}

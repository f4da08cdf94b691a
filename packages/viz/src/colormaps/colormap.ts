import { FvError } from '@fv/core';
import { type Color, parseColor, type Rgb } from '../image.js';
import { COLORMAP_TABLES } from './data/tables.js';

/**
 * The built-in colormaps, each matplotlib's own 256-entry table:
 * - perceptually uniform: `viridis`, `magma`, `inferno`, `plasma`, `cividis`;
 * - familiar: `turbo`, `gray`, `jet`, `hot`;
 * - diverging, for signed attributions (negative low, zero in the middle, positive high):
 *   `bwr`, `RdBu` (matplotlib's `RdBu_r`, reversed so that positive is red), `coolwarm`, `seismic`;
 * - Captum's defaults: `Greens` (positive), `Reds` (negative), `Blues` (absolute).
 */
export type ColormapName = keyof typeof COLORMAP_TABLES;

/** Every built-in colormap name, in documentation order. */
export const colormapNames: readonly ColormapName[] = Object.keys(
  COLORMAP_TABLES,
) as ColormapName[];

/** One stop of a user colormap: `color` at `offset` in 0..1, linear in RGB in between. */
export interface ColorStop {
  readonly offset: number;
  readonly color: Color;
}

/** A resolved colormap: 256 RGB entries, entry `i` for normalized value `i / 255`. */
export interface ColormapLut {
  readonly name: string;
  /** 768 bytes: R, G, B of entry 0, then entry 1, … */
  readonly rgb: Uint8Array;
}

/** A built-in colormap's name, a user colormap as stops, or an already resolved table. */
export type Colormap = ColormapName | readonly ColorStop[] | ColormapLut;

/** Number of entries of every colormap table. */
export const COLORMAP_SIZE = 256;

const cache = new Map<ColormapName, ColormapLut>();

/** True when `name` is a built-in colormap. */
export function isColormapName(name: unknown): name is ColormapName {
  return typeof name === 'string' && Object.hasOwn(COLORMAP_TABLES, name);
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * Resolves a {@link Colormap} to its 256-entry table.
 * @throws FvError `INVALID_ARGUMENT` for an unknown name or malformed stops.
 * @example
 * getColormap('viridis').rgb.subarray(0, 3); // Uint8Array [68, 1, 84]
 */
export function getColormap(colormap: Colormap): ColormapLut {
  if (typeof colormap === 'string') {
    if (!isColormapName(colormap)) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Unknown colormap '${colormap}'; built-in colormaps are ${colormapNames.join(', ')}`,
      );
    }
    let lut = cache.get(colormap);
    if (!lut) {
      lut = { name: colormap, rgb: decodeBase64(COLORMAP_TABLES[colormap]) };
      cache.set(colormap, lut);
    }
    return lut;
  }
  if (Array.isArray(colormap)) return colormapFromStops(colormap as readonly ColorStop[]);
  const lut = colormap as ColormapLut;
  if (!(lut.rgb instanceof Uint8Array) || lut.rgb.length !== COLORMAP_SIZE * 3) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Colormap table '${lut.name}' must hold ${COLORMAP_SIZE * 3} RGB bytes, got ${lut.rgb?.length}`,
    );
  }
  return lut;
}

/**
 * Builds a 256-entry colormap from stops, interpolating linearly in RGB like matplotlib's
 * `LinearSegmentedColormap.from_list`. Stops must have non-decreasing offsets in 0..1; below the
 * first stop and above the last the end colours hold. Alpha of stop colours is ignored.
 * @throws FvError `INVALID_ARGUMENT` for no stops, offsets out of order or outside 0..1.
 * @example
 * colormapFromStops([
 *   { offset: 0, color: '#000000' },
 *   { offset: 1, color: '#ff0000' },
 * ]);
 */
export function colormapFromStops(stops: readonly ColorStop[], name = 'custom'): ColormapLut {
  if (stops.length === 0) {
    throw new FvError('INVALID_ARGUMENT', `Colormap '${name}' needs at least one stop`);
  }
  const offsets: number[] = [];
  const colors: Rgb[] = [];
  stops.forEach((stop, i) => {
    const { offset } = stop;
    if (!Number.isFinite(offset) || offset < 0 || offset > 1) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Colormap '${name}': stop ${i} has offset ${offset}, outside 0..1`,
      );
    }
    if (i > 0 && offset < offsets[i - 1]!) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Colormap '${name}': stop ${i} (offset ${offset}) comes before stop ${i - 1} (offset ${offsets[i - 1]}); offsets must not decrease`,
      );
    }
    const [r, g, b] = parseColor(stop.color);
    offsets.push(offset);
    colors.push([r, g, b]);
  });
  const rgb = new Uint8Array(COLORMAP_SIZE * 3);
  let k = 0;
  for (let i = 0; i < COLORMAP_SIZE; i++) {
    const x = i / (COLORMAP_SIZE - 1);
    while (k < offsets.length - 1 && offsets[k + 1]! <= x) k++;
    const lo = colors[k]!;
    let color: readonly number[] = lo;
    if (x > offsets[k]! && k < offsets.length - 1) {
      const hi = colors[k + 1]!;
      const t = (x - offsets[k]!) / (offsets[k + 1]! - offsets[k]!);
      color = [0, 1, 2].map((c) => lo[c]! + (hi[c]! - lo[c]!) * t);
    }
    rgb[i * 3] = Math.round(color[0]!);
    rgb[i * 3 + 1] = Math.round(color[1]!);
    rgb[i * 3 + 2] = Math.round(color[2]!);
  }
  return { name, rgb };
}

/**
 * The table index of a normalized value `t` in 0..1, as matplotlib computes it
 * (`floor(t · 256)`, with `t = 1` on the last entry). Values outside 0..1 are clamped.
 */
export function colormapIndex(t: number): number {
  const i = Math.floor(t * COLORMAP_SIZE);
  return Math.max(0, Math.min(COLORMAP_SIZE - 1, i));
}

/**
 * The colour of a normalized value `t` in 0..1 (clamped).
 * @example
 * colormapColor('viridis', 1); // [253, 231, 36]
 */
export function colormapColor(colormap: Colormap, t: number): Rgb {
  const { rgb } = getColormap(colormap);
  const i = colormapIndex(t) * 3;
  return [rgb[i]!, rgb[i + 1]!, rgb[i + 2]!];
}

/** A colormap read backwards (high values get the low colours). */
export function reverseColormap(colormap: Colormap): ColormapLut {
  const lut = getColormap(colormap);
  const rgb = new Uint8Array(COLORMAP_SIZE * 3);
  for (let i = 0; i < COLORMAP_SIZE; i++)
    rgb.set(lut.rgb.subarray(i * 3, i * 3 + 3), (255 - i) * 3);
  return { name: `${lut.name}_r`, rgb };
}

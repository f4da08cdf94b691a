import { FvError } from '@fv/core';
import { type Colormap, colormapIndex, getColormap } from './colormaps/colormap.js';
import { type Color, createImage, parseColor, type RgbaImage } from './image.js';
import { drawText, measureText } from './text/bitmap-font.js';

/** Options of {@link colorbar}. */
export interface ColorbarOptions {
  /** @defaultValue `'viridis'` */
  readonly colormap?: Colormap;
  /**
   * Values at the bottom and the top of the colormap (a {@link NormalizedMap}'s `range` labels
   * the bar with the map's own units).
   * @defaultValue `[0, 1]`
   */
  readonly range?: readonly [low: number, high: number];
  /**
   * About how many intervals to divide the range into with round tick values (steps of 1, 2, 2.5
   * or 5 times a power of ten, as matplotlib's locator picks them; see {@link niceTicks}), or the
   * tick values themselves.
   * @defaultValue `5`
   */
  readonly ticks?: number | readonly number[];
  /** Formats tick labels. @defaultValue fixed decimals from the tick spacing, e.g. `0.25` */
  readonly format?: (value: number) => string;
  /** Vertical (high values at the top, labels right) or horizontal (labels below). @defaultValue `'vertical'` */
  readonly orientation?: 'vertical' | 'horizontal';
  /** Length of the bar in pixels. @defaultValue `256` */
  readonly length?: number;
  /** Thickness of the bar in pixels. @defaultValue `16` */
  readonly thickness?: number;
  /** Optional caption above (vertical) or below (horizontal) the bar. */
  readonly label?: string;
  /** @defaultValue `'#ffffff'` */
  readonly background?: Color;
  /** Colour of the outline, tick marks and labels. @defaultValue `'#000000'` */
  readonly textColor?: Color;
  /** Integer magnification of the label font. @defaultValue `1` */
  readonly fontScale?: number;
}

const PAD = 4;

/**
 * Round tick values inside `[low, high]`: the smallest step of 1, 2, 2.5 or 5 × 10^k that cuts the
 * range into at most `intervals` parts, at multiples of the step.
 * @example
 * niceTicks(-1.019, 1.019); // [-1, -0.5, 0, 0.5, 1]
 */
export function niceTicks(low: number, high: number, intervals = 5): number[] {
  const lo = Math.min(low, high);
  const hi = Math.max(low, high);
  if (!(hi > lo) || !Number.isFinite(hi - lo) || intervals < 1) return [lo];
  const rough = (hi - lo) / intervals;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough * (1 - 1e-9))!;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    // Rounded so that 0.1 · 3 prints as 0.3.
    ticks.push(Number((k * step).toPrecision(12)));
  }
  return ticks;
}
const TICK = 4;

/** Tick labels with as many decimals as the spacing needs (at most 6), `-0` shown as `0`. */
export function formatTicks(values: readonly number[]): string[] {
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < values.length; i++) {
    const d = Math.abs(values[i]! - values[i - 1]!);
    if (d > 0) step = Math.min(step, d);
  }
  // The fewest decimals (up to 2 more than the spacing's magnitude, at most 6) that show every
  // tick exactly enough.
  const coarse = Number.isFinite(step) ? Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)) : 2;
  const cap = Math.min(6, coarse + 2);
  let decimals = coarse;
  const tolerance = Number.isFinite(step) ? step * 1e-3 : 1e-9;
  while (
    decimals < cap &&
    values.some((v) => Math.abs(Number(v.toFixed(decimals)) - v) > tolerance)
  ) {
    decimals++;
  }
  return values.map((v) => {
    let text = v.toFixed(decimals);
    if (decimals > 0 && /\.\d*?0+$/.test(text)) text = text.replace(/\.?0+$/, '');
    return /^-0(\.0*)?$/.test(text) ? '0' : text;
  });
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 2) {
    throw new FvError('INVALID_ARGUMENT', `${name} must be an integer ≥ 2, got ${value}`);
  }
  return value;
}

/**
 * Draws a colorbar with tick marks and labels, like matplotlib's: a bar of the colormap from
 * `range[0]` to `range[1]`, outlined, with labelled ticks. Works in Node (bitmap font).
 * @example
 * const normalized = normalizeMap(map, { sign: 'all' });
 * const bar = colorbar({ colormap: 'bwr', range: normalized.range, ticks: 5 });
 */
export function colorbar(options: ColorbarOptions = {}): RgbaImage {
  const lut = getColormap(options.colormap ?? 'viridis');
  const [low, high] = options.range ?? [0, 1];
  if (!Number.isFinite(low) || !Number.isFinite(high) || low === high) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Colorbar range [${low}, ${high}] must be two different finite numbers`,
    );
  }
  const length = positiveInteger('length', options.length ?? 256);
  const thickness = positiveInteger('thickness', options.thickness ?? 16);
  const scale = options.fontScale ?? 1;
  const vertical = (options.orientation ?? 'vertical') === 'vertical';
  const tickOption = options.ticks ?? 5;
  let ticks: number[];
  if (typeof tickOption === 'number') {
    if (!Number.isInteger(tickOption) || tickOption < 0) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `ticks must be a count ≥ 0 or a list, got ${tickOption}`,
      );
    }
    ticks = tickOption === 0 ? [] : niceTicks(low, high, tickOption);
  } else {
    ticks = tickOption.filter((v) => (v - low) * (v - high) <= 0);
  }
  const labels = options.format ? ticks.map(options.format) : formatTicks(ticks);
  const fontHeight = measureText('', scale).height;
  const labelWidth = Math.max(0, ...labels.map((l) => measureText(l, scale).width));
  const caption = options.label ?? '';
  const captionSize = measureText(caption, scale);
  const fg = parseColor(options.textColor ?? '#000000');
  const bg = options.background ?? '#ffffff';
  // Position along the bar (0 = low end) of a value.
  const along = (v: number) => Math.round(((v - low) / (high - low)) * (length - 1));

  let image: RgbaImage;
  let barX: number;
  let barY: number;
  if (vertical) {
    const captionRow = caption ? captionSize.height + PAD : 0;
    const width = Math.max(
      PAD + thickness + 2 + TICK + 2 + labelWidth + PAD,
      captionSize.width + 2 * PAD,
    );
    const height =
      PAD + captionRow + Math.ceil(fontHeight / 2) + length + 2 + Math.ceil(fontHeight / 2) + PAD;
    image = createImage(width, height, bg);
    barX = PAD + 1;
    barY = PAD + captionRow + Math.ceil(fontHeight / 2) + 1;
    if (caption) drawText(image, caption, PAD, PAD, { color: fg, scale });
  } else {
    const width = PAD + Math.ceil(labelWidth / 2) + length + 2 + Math.ceil(labelWidth / 2) + PAD;
    const height =
      PAD + thickness + 2 + TICK + 2 + fontHeight + (caption ? PAD + captionSize.height : 0) + PAD;
    image = createImage(Math.max(width, captionSize.width + 2 * PAD), height, bg);
    barX = PAD + Math.ceil(labelWidth / 2) + 1;
    barY = PAD + 1;
    if (caption) {
      drawText(
        image,
        caption,
        Math.floor((image.width - captionSize.width) / 2),
        height - PAD - captionSize.height,
        {
          color: fg,
          scale,
        },
      );
    }
  }
  const { data, width } = image;
  const put = (x: number, y: number, r: number, g: number, b: number) => {
    const i = (y * width + x) * 4;
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
    data[i + 3] = 255;
  };
  // The bar: entry for position s along it is floor(s / (length - 1) · 256), as matplotlib maps.
  for (let s = 0; s < length; s++) {
    const k = colormapIndex(s / (length - 1)) * 3;
    const [r, g, b] = [lut.rgb[k]!, lut.rgb[k + 1]!, lut.rgb[k + 2]!];
    for (let t = 0; t < thickness; t++) {
      if (vertical) put(barX + t, barY + length - 1 - s, r, g, b);
      else put(barX + s, barY + t, r, g, b);
    }
  }
  // Outline, one pixel outside the bar.
  const [fr, fgG, fb] = fg;
  const outerW = vertical ? thickness + 2 : length + 2;
  const outerH = vertical ? length + 2 : thickness + 2;
  for (let i = 0; i < outerW; i++) {
    put(barX - 1 + i, barY - 1, fr, fgG, fb);
    put(barX - 1 + i, barY - 2 + outerH, fr, fgG, fb);
  }
  for (let j = 0; j < outerH; j++) {
    put(barX - 1, barY - 1 + j, fr, fgG, fb);
    put(barX - 2 + outerW, barY - 1 + j, fr, fgG, fb);
  }
  ticks.forEach((value, i) => {
    const s = along(value);
    const label = labels[i]!;
    const size = measureText(label, scale);
    if (vertical) {
      const y = barY + length - 1 - s;
      for (let t = 1; t <= TICK; t++) put(barX + thickness + t, y, fr, fgG, fb);
      drawText(image, label, barX + thickness + 1 + TICK + 2, y - Math.floor(size.height / 2), {
        color: fg,
        scale,
      });
    } else {
      const x = barX + s;
      for (let t = 1; t <= TICK; t++) put(x, barY + thickness + t, fr, fgG, fb);
      drawText(image, label, x - Math.floor(size.width / 2), barY + thickness + 1 + TICK + 2, {
        color: fg,
        scale,
      });
    }
  });
  return image;
}

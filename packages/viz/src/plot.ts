// A small line plot without a canvas (so it draws the same in Node, workers and browsers): axes with
// round ticks, anti-aliased polylines, a legend and labels in the bitmap font. Enough for the
// deletion and insertion curves of explanation metrics; not a plotting library.
import { FvError } from '@fv/core';
import { formatTicks, niceTicks } from './colorbar.js';
import { type Color, createImage, parseColor, type RgbaImage } from './image.js';
import { drawText, measureText } from './text/bitmap-font.js';

/** One curve of a {@link linePlot}. */
export interface PlotSeries {
  /** Name in the legend. */
  readonly label: string;
  /** y values; a non-finite value breaks the line. */
  readonly y: ArrayLike<number>;
  /** x values, as many as y. @defaultValue evenly spaced from 0 to 1 */
  readonly x?: ArrayLike<number>;
  /** @defaultValue the next colour of matplotlib's `tab10` cycle */
  readonly color?: Color;
}

/** Options of {@link linePlot}. */
export interface LinePlotOptions {
  /** Size of the whole picture in pixels. @defaultValue `480` */
  readonly width?: number;
  /** @defaultValue `320` */
  readonly height?: number;
  /** Line above the plot. */
  readonly title?: string;
  /** Caption under the x axis. */
  readonly xLabel?: string;
  /** Caption above the y axis. */
  readonly yLabel?: string;
  /** @defaultValue the extent of the data */
  readonly xRange?: readonly [number, number];
  /** @defaultValue the extent of the data */
  readonly yRange?: readonly [number, number];
  /** About how many tick intervals per axis (see `niceTicks`). @defaultValue `5` */
  readonly ticks?: number;
  /** Line width in pixels. @defaultValue `2` */
  readonly lineWidth?: number;
  /** Light grid lines at the ticks. @defaultValue `true` */
  readonly grid?: boolean;
  /** Legend right of the plot (when any series has a label). @defaultValue `true` */
  readonly legend?: boolean;
  /** @defaultValue `'#ffffff'` */
  readonly background?: Color;
  /** Axes, ticks and text. @defaultValue `'#000000'` */
  readonly textColor?: Color;
  /** Integer magnification of the font. @defaultValue `1` */
  readonly fontScale?: number;
}

/** matplotlib's `tab10` colour cycle. */
export const plotColors: readonly string[] = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

const PAD = 8;
const TICK = 4;
const LEGEND_LINE = 18;

/** Blends `color` with coverage `alpha` into pixel (x, y). */
function blend(image: RgbaImage, x: number, y: number, color: readonly number[], alpha: number) {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height || alpha <= 0) return;
  const i = (y * image.width + x) * 4;
  const a = Math.min(1, alpha) * (color[3]! / 255);
  const d = image.data;
  d[i] = d[i]! + (color[0]! - d[i]!) * a;
  d[i + 1] = d[i + 1]! + (color[1]! - d[i + 1]!) * a;
  d[i + 2] = d[i + 2]! + (color[2]! - d[i + 2]!) * a;
  d[i + 3] = d[i + 3]! + (255 - d[i + 3]!) * a;
}

/**
 * Draws an anti-aliased segment of width `w` (pixel centres at integer + ½): each pixel gets the
 * coverage of a capsule around the segment, approximated by its distance to the centre line.
 */
function segment(
  image: RgbaImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  w: number,
  color: readonly number[],
  covered: Float32Array,
  bounds: { left: number; top: number; right: number; bottom: number },
) {
  const r = w / 2;
  const left = Math.max(bounds.left, Math.floor(Math.min(x0, x1) - r - 1));
  const right = Math.min(bounds.right, Math.ceil(Math.max(x0, x1) + r + 1));
  const top = Math.max(bounds.top, Math.floor(Math.min(y0, y1) - r - 1));
  const bottom = Math.min(bounds.bottom, Math.ceil(Math.max(y0, y1) + r + 1));
  const dx = x1 - x0;
  const dy = y1 - y0;
  const length2 = dx * dx + dy * dy;
  for (let py = Math.max(0, top); py <= Math.min(image.height - 1, bottom); py++) {
    for (let px = Math.max(0, left); px <= Math.min(image.width - 1, right); px++) {
      const cx = px + 0.5;
      const cy = py + 0.5;
      const t =
        length2 > 0 ? Math.max(0, Math.min(1, ((cx - x0) * dx + (cy - y0) * dy) / length2)) : 0;
      const distance = Math.hypot(cx - (x0 + t * dx), cy - (y0 + t * dy));
      const coverage = Math.max(0, Math.min(1, r + 0.5 - distance));
      // Joints of a polyline are covered by two segments: blend only what is new.
      const k = py * image.width + px;
      const add = coverage - covered[k]!;
      if (add > 0) {
        blend(image, px, py, color, add / (1 - covered[k]! || 1));
        covered[k] = coverage;
      }
    }
  }
}

function range(
  given: readonly [number, number] | undefined,
  values: Iterable<number>,
  what: string,
): [number, number] {
  if (given) {
    if (!(Number.isFinite(given[0]) && Number.isFinite(given[1]) && given[1] > given[0])) {
      throw new FvError('INVALID_ARGUMENT', `${what} must be [low, high] with low < high`);
    }
    return [given[0], given[1]];
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(hi >= lo)) return [0, 1];
  if (hi === lo) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

function size(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new FvError('INVALID_ARGUMENT', `${name} must be an integer ≥ ${min}, got ${value}`);
  }
  return value;
}

/**
 * Draws curves on labelled axes, like a minimal matplotlib `plot`: round ticks from the data's
 * extent (or the given ranges), light grid lines, anti-aliased lines in the `tab10` colours and a
 * legend to the right. Returns a new image.
 * @throws FvError `INVALID_ARGUMENT` for no series, x and y of different lengths, bad sizes or
 *   ranges.
 * @example
 * const picture = linePlot(
 *   [{ label: 'SmoothGrad', y: deletion.scores }, { label: 'random', y: baseline.scores }],
 *   { title: 'Deletion', xLabel: 'fraction of pixels removed', yLabel: 'probability' },
 * );
 */
export function linePlot(series: readonly PlotSeries[], options: LinePlotOptions = {}): RgbaImage {
  if (series.length === 0)
    throw new FvError('INVALID_ARGUMENT', 'A plot needs at least one series');
  const width = size('width', options.width ?? 480, 64);
  const height = size('height', options.height ?? 320, 64);
  const scale = options.fontScale ?? 1;
  const lineWidth = options.lineWidth ?? 2;
  if (!(lineWidth > 0 && lineWidth < 32)) {
    throw new FvError('INVALID_ARGUMENT', `lineWidth must be in (0, 32), got ${lineWidth}`);
  }
  const xsOf = (s: PlotSeries): ArrayLike<number> => {
    if (s.x === undefined) {
      const n = s.y.length;
      return Float64Array.from({ length: n }, (_, i) => (n > 1 ? i / (n - 1) : 0));
    }
    if (s.x.length !== s.y.length) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Series '${s.label}' has ${s.x.length} x values and ${s.y.length} y values`,
      );
    }
    return s.x;
  };
  const xs = series.map(xsOf);
  const [x0, x1] = range(
    options.xRange,
    xs.flatMap((a) => Array.from(a)),
    'xRange',
  );
  const [y0, y1] = range(
    options.yRange,
    series.flatMap((s) => Array.from(s.y)),
    'yRange',
  );
  const intervals = options.ticks ?? 5;
  const xTicks = niceTicks(x0, x1, intervals);
  const yTicks = niceTicks(y0, y1, intervals);
  const xLabels = formatTicks(xTicks);
  const yLabels = formatTicks(yTicks);
  const fg = parseColor(options.textColor ?? '#000000');
  const gridColor = [fg[0], fg[1], fg[2], 40];
  const font = measureText('', scale).height;
  const text = (s: string) => measureText(s, scale).width;

  const showLegend = (options.legend ?? true) && series.some((s) => s.label);
  const legendWidth = showLegend
    ? PAD + LEGEND_LINE + 4 + Math.max(...series.map((s) => text(s.label)))
    : 0;
  const top = PAD + (options.title ? font + PAD : 0) + (options.yLabel ? font + 4 : 0) + font / 2;
  const left = PAD + Math.max(...yLabels.map(text)) + TICK + 2;
  const bottom = height - PAD - (options.xLabel ? font + 4 : 0) - font - TICK - 2;
  const right = width - PAD - legendWidth - Math.ceil(text(xLabels[xLabels.length - 1]!) / 2);
  if (right - left < 16 || bottom - top < 16) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `A ${width}×${height} picture leaves no room for the plot; make it larger`,
    );
  }
  const image = createImage(width, height, options.background ?? '#ffffff');
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const py = (y: number) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);

  if (options.title) {
    drawText(image, options.title, Math.round((left + right - text(options.title)) / 2), PAD, {
      color: fg,
      scale,
    });
  }
  if (options.yLabel) {
    drawText(image, options.yLabel, PAD, top - font / 2 - font - 4, { color: fg, scale });
  }
  if (options.xLabel) {
    drawText(
      image,
      options.xLabel,
      Math.round((left + right - text(options.xLabel)) / 2),
      height - PAD - font,
      { color: fg, scale },
    );
  }
  // Grid, ticks and their labels.
  xTicks.forEach((v, i) => {
    const x = Math.round(px(v));
    if (options.grid ?? true)
      for (let y = Math.ceil(top); y < bottom; y++) blend(image, x, y, gridColor, 1);
    for (let t = 1; t <= TICK; t++) blend(image, x, Math.round(bottom) + t, fg, 1);
    const label = xLabels[i]!;
    drawText(image, label, x - Math.floor(text(label) / 2), Math.round(bottom) + TICK + 2, {
      color: fg,
      scale,
    });
  });
  yTicks.forEach((v, i) => {
    const y = Math.round(py(v));
    if (options.grid ?? true)
      for (let x = Math.ceil(left) + 1; x <= right; x++) blend(image, x, y, gridColor, 1);
    for (let t = 1; t <= TICK; t++) blend(image, Math.round(left) - t, y, fg, 1);
    const label = yLabels[i]!;
    drawText(image, label, Math.round(left) - TICK - 2 - text(label), y - Math.floor(font / 2), {
      color: fg,
      scale,
    });
  });
  // Axes: left and bottom.
  for (let y = Math.floor(top); y <= Math.round(bottom); y++)
    blend(image, Math.round(left), y, fg, 1);
  for (let x = Math.round(left); x <= Math.ceil(right); x++)
    blend(image, x, Math.round(bottom), fg, 1);

  // Curves, clipped to the plot area (and half a line beyond, so lines on its edge stay whole).
  const margin = Math.ceil(lineWidth / 2);
  const area = {
    left: Math.max(0, Math.floor(left) - margin),
    top: Math.max(0, Math.floor(top) - margin),
    right: Math.min(width - 1, Math.ceil(right) + margin),
    bottom: Math.min(height - 1, Math.ceil(bottom) + margin),
  };
  series.forEach((s, k) => {
    const color = parseColor(s.color ?? plotColors[k % plotColors.length]!);
    const covered = new Float32Array(width * height);
    const xv = xs[k]!;
    for (let i = 1; i < s.y.length; i++) {
      const a = [xv[i - 1]!, s.y[i - 1]!];
      const b = [xv[i]!, s.y[i]!];
      if (![...a, ...b].every(Number.isFinite)) continue;
      segment(image, px(a[0]!), py(a[1]!), px(b[0]!), py(b[1]!), lineWidth, color, covered, area);
    }
    if (s.y.length === 1 && Number.isFinite(xv[0]!) && Number.isFinite(s.y[0]!)) {
      const [x, y] = [px(xv[0]!), py(s.y[0]!)];
      segment(image, x, y, x, y, lineWidth * 2, color, covered, area);
    }
  });

  if (showLegend) {
    const lx = width - PAD - legendWidth + PAD;
    series.forEach((s, k) => {
      const y = Math.round(top) + k * (font + 4);
      const color = parseColor(s.color ?? plotColors[k % plotColors.length]!);
      const covered = new Float32Array(width * height);
      const whole = { left: 0, top: 0, right: width - 1, bottom: height - 1 };
      segment(
        image,
        lx,
        y + font / 2,
        lx + LEGEND_LINE,
        y + font / 2,
        lineWidth,
        color,
        covered,
        whole,
      );
      drawText(image, s.label, lx + LEGEND_LINE + 4, y, { color: fg, scale });
    });
  }
  return image;
}

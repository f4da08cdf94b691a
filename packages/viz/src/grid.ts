import { FvError } from '@fv/core';
import type { Colormap } from './colormaps/colormap.js';
import { type VisualizeOptions, visualizeAttribution } from './compose.js';
import {
  assertImage,
  type Color,
  createImage,
  type Map2D,
  parseColor,
  type RgbaImage,
} from './image.js';
import type { AttributionSign } from './normalize.js';
import { drawText, fontMetrics, measureText } from './text/bitmap-font.js';

/** One picture of a grid, with an optional title drawn above it. */
export interface GridPanel {
  readonly image: RgbaImage;
  readonly title?: string;
}

/** Options of {@link composeGrid} and {@link gridLayout}. */
export interface GridOptions {
  /** Panels per row. @defaultValue all panels in one row */
  readonly columns?: number;
  /** Pixels between cells. @defaultValue `8` */
  readonly gap?: number;
  /** Pixels around the whole grid. @defaultValue `8` */
  readonly padding?: number;
  /** @defaultValue `'#ffffff'` */
  readonly background?: Color;
  /** Colour of the titles. @defaultValue `'#000000'` */
  readonly textColor?: Color;
  /** Integer magnification of the title font (6×10 pixels per character at 1). @defaultValue `1` */
  readonly fontScale?: number;
}

/** Where {@link composeGrid} puts things, in pixels of the output image. */
export interface GridLayout {
  readonly width: number;
  readonly height: number;
  /** Height of the title row above each panel (0 when no panel has a title). */
  readonly titleHeight: number;
  /** Per panel: the rectangle its image occupies (centred in its cell) and its title's origin. */
  readonly panels: readonly {
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
    readonly title: string;
    readonly titleX: number;
    readonly titleY: number;
  }[];
}

const TITLE_GAP = 4;

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new FvError('INVALID_ARGUMENT', `${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

/**
 * Computes the geometry of a grid: every cell is as large as the largest panel, each panel is
 * centred in its cell, titles are centred above (cut to the cell's width).
 * @throws FvError `INVALID_ARGUMENT` for no panels or bad options.
 */
export function gridLayout(panels: readonly GridPanel[], options: GridOptions = {}): GridLayout {
  if (panels.length === 0) throw new FvError('INVALID_ARGUMENT', 'A grid needs at least one panel');
  const columns = options.columns ?? panels.length;
  if (!Number.isInteger(columns) || columns < 1) {
    throw new FvError('INVALID_ARGUMENT', `columns must be a positive integer, got ${columns}`);
  }
  const gap = nonNegativeInteger('gap', options.gap ?? 8);
  const padding = nonNegativeInteger('padding', options.padding ?? 8);
  const scale = options.fontScale ?? 1;
  panels.forEach((p, i) => {
    assertImage(p.image, `grid panel ${i}`);
  });
  const cellWidth = Math.max(...panels.map((p) => p.image.width));
  const cellHeight = Math.max(...panels.map((p) => p.image.height));
  const hasTitles = panels.some((p) => p.title);
  const charWidth = fontMetrics.width * scale;
  const titleHeight = hasTitles ? measureText('', scale).height + TITLE_GAP : 0;
  const rows = Math.ceil(panels.length / columns);
  const usedColumns = Math.min(columns, panels.length);
  const width = 2 * padding + usedColumns * cellWidth + (usedColumns - 1) * gap;
  const height = 2 * padding + rows * (titleHeight + cellHeight) + (rows - 1) * gap;
  const placed = panels.map((panel, i) => {
    const column = i % columns;
    const row = Math.floor(i / columns);
    const cellX = padding + column * (cellWidth + gap);
    const cellY = padding + row * (titleHeight + cellHeight + gap);
    const maxChars = Math.floor(cellWidth / charWidth);
    const title = [...(panel.title ?? '')].slice(0, maxChars).join('');
    return {
      x: cellX + Math.floor((cellWidth - panel.image.width) / 2),
      y: cellY + titleHeight + Math.floor((cellHeight - panel.image.height) / 2),
      width: panel.image.width,
      height: panel.image.height,
      title,
      titleX: cellX + Math.floor((cellWidth - measureText(title, scale).width) / 2),
      titleY: cellY,
    };
  });
  return { width, height, titleHeight, panels: placed };
}

/** Composites `image` over `target` (source over) with its top-left corner at (x, y). */
export function pasteImage(target: RgbaImage, image: RgbaImage, x: number, y: number): void {
  const { data: out, width: tw, height: th } = target;
  const { data: src, width: w, height: h } = image;
  for (let row = 0; row < h; row++) {
    const ty = y + row;
    if (ty < 0 || ty >= th) continue;
    for (let col = 0; col < w; col++) {
      const tx = x + col;
      if (tx < 0 || tx >= tw) continue;
      const s = (row * w + col) * 4;
      const t = (ty * tw + tx) * 4;
      const a = src[s + 3]!;
      if (a === 255) {
        out[t] = src[s]!;
        out[t + 1] = src[s + 1]!;
        out[t + 2] = src[s + 2]!;
        out[t + 3] = 255;
      } else if (a > 0) {
        const k = a / 255;
        out[t] = out[t]! + (src[s]! - out[t]!) * k;
        out[t + 1] = out[t + 1]! + (src[s + 1]! - out[t + 1]!) * k;
        out[t + 2] = out[t + 2]! + (src[s + 2]! - out[t + 2]!) * k;
        out[t + 3] = out[t + 3]! + (255 - out[t + 3]!) * k;
      }
    }
  }
}

/**
 * Puts panels side by side (wrapping after `columns`) with titles above them, on a background.
 * Text is drawn with fv's bitmap font, so this works in Node without a canvas.
 * @example
 * const picture = composeGrid([
 *   { image, title: 'image' },
 *   { image: colorize(map), title: 'absolute' },
 * ]);
 */
export function composeGrid(panels: readonly GridPanel[], options: GridOptions = {}): RgbaImage {
  const layout = gridLayout(panels, options);
  const out = createImage(layout.width, layout.height, options.background ?? '#ffffff');
  const color = parseColor(options.textColor ?? '#000000');
  panels.forEach((panel, i) => {
    const place = layout.panels[i]!;
    pasteImage(out, panel.image, place.x, place.y);
    if (place.title) {
      drawText(out, place.title, place.titleX, place.titleY, {
        color,
        scale: options.fontScale ?? 1,
      });
    }
  });
  return out;
}

/** Options of {@link attributionGrid}. */
export interface AttributionGridOptions
  extends Omit<VisualizeOptions, 'sign' | 'colormap'>,
    GridOptions {
  /** The maps to show, one panel each. @defaultValue `['absolute', 'positive', 'negative']` */
  readonly signs?: readonly AttributionSign[];
  /**
   * Colormap per sign.
   * @defaultValue Captum's: `Blues`, `Greens`, `Reds`, and `bwr` for `all`
   */
  readonly colormaps?: Partial<Readonly<Record<AttributionSign, Colormap>>>;
  /** Whether the first panel is the image itself, titled `image`. @defaultValue `true` */
  readonly showImage?: boolean;
}

/**
 * The picture a saliency run is read from: the image, then the absolute, positive and negative
 * parts of the attribution, side by side with titles (each normalized on its own, by `normalize`).
 * @example
 * const picture = attributionGrid(image, mapFromTensor(gradient), { method: 'blended-heat-map' });
 */
export function attributionGrid(
  image: RgbaImage,
  map: Map2D,
  options: AttributionGridOptions = {},
): RgbaImage {
  const {
    signs = ['absolute', 'positive', 'negative'],
    colormaps = {},
    showImage = true,
  } = options;
  const panels: GridPanel[] = showImage ? [{ image, title: 'image' }] : [];
  for (const sign of signs) {
    const colormap = colormaps[sign];
    panels.push({
      image: visualizeAttribution(map, image, {
        ...options,
        sign,
        ...(colormap ? { colormap } : {}),
      }),
      title: sign,
    });
  }
  return composeGrid(panels, options);
}

import { FvError } from '@fv/core';
import { type Color, createImage, parseColor, type RgbaImage } from '../image.js';
import { FONT_FIRST_CHAR, FONT_GLYPHS, FONT_HEIGHT, FONT_WIDTH } from './font-data.js';

// Text without a canvas: the public-domain X11 misc-fixed 6×10 bitmap font, embedded as data,
// so titles and tick labels render the same in Node, workers and browsers.

/** Width and height in pixels of one character cell at scale 1. */
export const fontMetrics = { width: FONT_WIDTH, height: FONT_HEIGHT } as const;

const LAST_CHAR = FONT_FIRST_CHAR + FONT_GLYPHS.length / (FONT_HEIGHT * 2) - 1;
const QUESTION = '?'.charCodeAt(0);

let glyphRows: Uint8Array | undefined;
function rows(): Uint8Array {
  if (!glyphRows) {
    glyphRows = new Uint8Array(FONT_GLYPHS.length / 2);
    for (let i = 0; i < glyphRows.length; i++) {
      glyphRows[i] = Number.parseInt(FONT_GLYPHS.slice(i * 2, i * 2 + 2), 16);
    }
  }
  return glyphRows;
}

/** Options of {@link drawText} and {@link renderText}. */
export interface TextOptions {
  /** Text colour; its alpha blends the text over what is below. @defaultValue `'#000000'` */
  readonly color?: Color;
  /** Integer magnification: each font pixel becomes `scale × scale` pixels. @defaultValue `1` */
  readonly scale?: number;
}

function checkScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 1) {
    throw new FvError('INVALID_ARGUMENT', `Text scale must be a positive integer, got ${scale}`);
  }
}

/**
 * Size in pixels of a single line of text. Characters outside printable ASCII count as `?`.
 * @example
 * measureText('abs', 2); // { width: 36, height: 20 }
 */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  checkScale(scale);
  return { width: [...text].length * FONT_WIDTH * scale, height: FONT_HEIGHT * scale };
}

/**
 * Draws one line of text into `image` in place, with its top-left corner at (`x`, `y`). Pixels
 * outside the image are clipped. Characters outside printable ASCII are drawn as `?`.
 */
export function drawText(
  image: RgbaImage,
  text: string,
  x: number,
  y: number,
  options: TextOptions = {},
): void {
  const scale = options.scale ?? 1;
  checkScale(scale);
  const [r, g, b, a] = parseColor(options.color ?? '#000000');
  const alpha = a / 255;
  const { data, width, height } = image;
  const glyphs = rows();
  let penX = Math.round(x);
  const top = Math.round(y);
  for (const char of text) {
    let code = char.codePointAt(0)!;
    if (code < FONT_FIRST_CHAR || code > LAST_CHAR) code = QUESTION;
    const base = (code - FONT_FIRST_CHAR) * FONT_HEIGHT;
    for (let gy = 0; gy < FONT_HEIGHT; gy++) {
      const bits = glyphs[base + gy]!;
      if (bits === 0) continue;
      for (let gx = 0; gx < FONT_WIDTH; gx++) {
        if (!(bits & (0x80 >> gx))) continue;
        for (let sy = 0; sy < scale; sy++) {
          const py = top + gy * scale + sy;
          if (py < 0 || py >= height) continue;
          for (let sx = 0; sx < scale; sx++) {
            const px = penX + gx * scale + sx;
            if (px < 0 || px >= width) continue;
            const i = (py * width + px) * 4;
            if (a === 255) {
              data[i] = r;
              data[i + 1] = g;
              data[i + 2] = b;
              data[i + 3] = 255;
            } else {
              data[i] = data[i]! + (r - data[i]!) * alpha;
              data[i + 1] = data[i + 1]! + (g - data[i + 1]!) * alpha;
              data[i + 2] = data[i + 2]! + (b - data[i + 2]!) * alpha;
              data[i + 3] = data[i + 3]! + (255 - data[i + 3]!) * alpha;
            }
          }
        }
      }
    }
    penX += FONT_WIDTH * scale;
  }
}

/**
 * Renders one line of text on its own image (transparent background unless `background` is
 * given), sized by {@link measureText}.
 * @example
 * const label = renderText('positive', { scale: 2, background: '#ffffff' });
 */
export function renderText(
  text: string,
  options: TextOptions & { readonly background?: Color } = {},
): RgbaImage {
  const { width, height } = measureText(text, options.scale ?? 1);
  const image = createImage(Math.max(width, 1), height, options.background);
  drawText(image, text, 0, 0, options);
  return image;
}

import { describe, expect, it } from 'vitest';
import { createImage, drawText, fontMetrics, measureText, renderText } from '../../src/index.js';
import { expectFvError, pixel } from '../support.js';

/** The text's pixels as strings of '#' and '.', one per row. */
function ascii(image: ReturnType<typeof renderText>): string[] {
  const rows: string[] = [];
  for (let y = 0; y < image.height; y++) {
    let row = '';
    for (let x = 0; x < image.width; x++) row += pixel(image, x, y)[3]! > 0 ? '#' : '.';
    rows.push(row);
  }
  return rows;
}

describe('bitmap font', () => {
  it('is the 6×10 misc-fixed font', () => {
    expect(fontMetrics).toEqual({ width: 6, height: 10 });
    expect(measureText('abs')).toEqual({ width: 18, height: 10 });
    expect(measureText('abs', 2)).toEqual({ width: 36, height: 20 });
  });

  it('draws recognisable glyphs', () => {
    // misc-fixed 6x10 'A' and '1' (BDF rows 00 20 50 88 88 F8 88 88 00 00 and 00 20 60 A0 20 20 20 F8).
    expect(ascii(renderText('A1'))).toEqual([
      '............',
      '..#.....#...',
      '.#.#...##...',
      '#...#.#.#...',
      '#...#...#...',
      '#####...#...',
      '#...#...#...',
      '#...#.#####.',
      '............',
      '............',
    ]);
  });

  it('scales each font pixel to a block and draws in the given colour', () => {
    const image = renderText('-', { scale: 3, color: '#ff0000', background: '#ffffff' });
    expect([image.width, image.height]).toEqual([18, 30]);
    // '-' is row 4 = F8: columns 0..4.
    expect(pixel(image, 0, 12)).toEqual([255, 0, 0, 255]);
    expect(pixel(image, 14, 14)).toEqual([255, 0, 0, 255]);
    expect(pixel(image, 15, 12)).toEqual([255, 255, 255, 255]);
    expect(pixel(image, 0, 11)).toEqual([255, 255, 255, 255]);
  });

  it('clips at the image edges and draws unknown characters as ?', () => {
    const image = createImage(4, 4, '#ffffff');
    drawText(image, 'WW', -2, -3);
    drawText(image, 'é', 100, 100);
    expect(image.data.length).toBe(64);
    expect(ascii(renderText('é'))).toEqual(ascii(renderText('?')));
  });

  it('blends translucent text', () => {
    const image = createImage(6, 10, '#ffffff');
    drawText(image, '-', 0, 0, { color: [0, 0, 0, 128] });
    expect(pixel(image, 0, 4)).toEqual([127, 127, 127, 255]);
  });

  it('rejects a fractional scale', () => {
    expectFvError(() => measureText('x', 1.5), 'INVALID_ARGUMENT');
  });
});

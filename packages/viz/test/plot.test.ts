import { describe, expect, it } from 'vitest';
import { linePlot, parseColor, plotColors } from '../src/index.js';
import { expectFvError, pixel } from './support.js';

const blue = parseColor(plotColors[0]!).slice(0, 3);
const orange = parseColor(plotColors[1]!).slice(0, 3);
const green = parseColor(plotColors[2]!).slice(0, 3);
const same = (a: readonly number[], b: readonly number[]) => a.every((v, i) => v === b[i]);

/**
 * Where a line of `color` crosses column x: the mean row weighted by how far each pixel went
 * from white toward the colour (anti-aliased lines cover rows partially).
 */
function centre(image: ReturnType<typeof linePlot>, x: number, color: readonly number[]): number {
  let sum = 0;
  let weight = 0;
  // Near the rows the line covers fully (other lines blend other colours).
  const full = rowsOf(image, x, color);
  for (let y = full[0]! - 2; y <= full[full.length - 1]! + 2; y++) {
    const p = pixel(image, x, y);
    // On a blend of white and the colour, every channel went the same share t of the way.
    const t = [0, 1, 2]
      .filter((c) => color[c]! < 200)
      .map((c) => (255 - p[c]!) / (255 - color[c]!));
    const w = Math.min(...t);
    if (w > 0.05 && Math.max(...t) - w < 0.1) {
      sum += y * w;
      weight += w;
    }
  }
  return weight > 0 ? sum / weight : Number.NaN;
}

/** Rows of column x whose pixel is exactly `color`. */
function rowsOf(image: ReturnType<typeof linePlot>, x: number, color: readonly number[]): number[] {
  const rows: number[] = [];
  for (let y = 0; y < image.height; y++)
    if (same(pixel(image, x, y).slice(0, 3), color)) rows.push(y);
  return rows;
}

describe('linePlot', () => {
  const plot = linePlot(
    [
      { label: 'zero', y: [0, 0, 0] },
      { label: 'one', y: [1, 1] },
      { label: 'half', x: [0, 0.5, 1], y: [0.5, 0.5, 0.5] },
    ],
    { width: 400, height: 260, title: 'Deletion', xLabel: 'fraction', yLabel: 'probability' },
  );

  it('draws each series in the next tab10 colour at its value, on one y scale', () => {
    expect([plot.width, plot.height]).toEqual([400, 260]);
    const x = 150;
    for (const color of [blue, orange, green])
      expect(rowsOf(plot, x, color).length).toBeGreaterThan(0);
    const zero = centre(plot, x, blue);
    const one = centre(plot, x, orange);
    const half = centre(plot, x, green);
    expect(zero - one).toBeGreaterThan(100);
    expect(Math.abs(half - (zero + one) / 2)).toBeLessThanOrEqual(0.5);
  });

  it('has a black axis line left of and below the curves, and text around them', () => {
    const zero = Math.round(centre(plot, 150, blue));
    const black = (x: number, y: number) => same(pixel(plot, x, y), [0, 0, 0, 255]);
    // Left axis: a column of black pixels over the whole height of the curves.
    let axisX = -1;
    for (let x = 0; x < 150 && axisX < 0; x++) {
      if ([5, 40, 80, 120].every((d) => black(x, zero - d))) axisX = x;
    }
    expect(axisX).toBeGreaterThan(10);
    // The tick mark of x = 0 hangs below the bottom axis (under the zero line), under the left one.
    expect(black(axisX, zero + 3)).toBe(true);
    // Something dark (the title) in the top rows, and in the right part (the legend labels).
    const darkIn = (x0: number, y0: number, x1: number, y1: number) => {
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++)
          if (pixel(plot, x, y)[0]! < 80 && pixel(plot, x, y)[2]! < 80) return true;
      return false;
    };
    expect(darkIn(0, 0, 400, 20)).toBe(true);
    expect(darkIn(320, 20, 400, 60)).toBe(true);
  });

  it('breaks a line at a non-finite value', () => {
    const gap = linePlot([{ label: '', y: [0.5, 0.5, Number.NaN, 0.5, 0.5] }], {
      width: 200,
      height: 120,
      yRange: [0, 1],
      grid: false,
    });
    // x = 0.5 (the NaN) lies between columns of the second and fourth points.
    const count = (x: number) => rowsOf(gap, x, blue).length;
    let left = -1;
    for (let x = 0; x < 200; x++)
      if (count(x) > 0) {
        left = x;
        break;
      }
    let right = -1;
    for (let x = 199; x >= 0; x--)
      if (count(x) > 0) {
        right = x;
        break;
      }
    const middle = Math.round((left + right) / 2);
    expect(count(middle)).toBe(0);
    expect(count(left + 3)).toBeGreaterThan(0);
    expect(count(right - 3)).toBeGreaterThan(0);
  });

  it('rejects bad input', () => {
    expectFvError(() => linePlot([]), 'INVALID_ARGUMENT');
    expectFvError(() => linePlot([{ label: 'a', x: [0, 1], y: [1] }]), 'INVALID_ARGUMENT');
    expectFvError(
      () => linePlot([{ label: 'a', y: [1, 2] }], { yRange: [1, 1] }),
      'INVALID_ARGUMENT',
    );
    expectFvError(
      () =>
        linePlot([{ label: 'a', y: [1, 2] }], {
          width: 70,
          height: 64,
          title: 't',
          xLabel: 'x',
          yLabel: 'y',
        }),
      'INVALID_ARGUMENT',
    );
    expectFvError(
      () => linePlot([{ label: 'a', y: [1, 2] }], { lineWidth: 0 }),
      'INVALID_ARGUMENT',
    );
  });
});

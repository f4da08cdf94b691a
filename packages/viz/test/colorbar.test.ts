import { describe, expect, it } from 'vitest';
import { colorbar, colormapColor, formatTicks, niceTicks } from '../src/index.js';
import { expectFvError, pixel } from './support.js';

describe('formatTicks', () => {
  it('uses the decimals the spacing needs', () => {
    expect(formatTicks([0, 0.25, 0.5, 0.75, 1])).toEqual(['0', '0.25', '0.5', '0.75', '1']);
    expect(formatTicks([-1, -0.5, 0, 0.5, 1])).toEqual(['-1', '-0.5', '0', '0.5', '1']);
    expect(formatTicks([0, 50, 100])).toEqual(['0', '50', '100']);
    expect(formatTicks([-0.001, 0, 0.001])).toEqual(['-0.001', '0', '0.001']);
    expect(formatTicks([-0.00001 / 3, 0.5])).toEqual(['0', '0.5']);
  });
});

describe('niceTicks', () => {
  it('picks round steps like matplotlib', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-1.019, 1.019)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(0, 0.0374)).toEqual([0, 0.01, 0.02, 0.03]);
    expect(niceTicks(3, 97, 4)).toEqual([25, 50, 75]);
    expect(niceTicks(0.1, 0.7, 6)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(niceTicks(2, 2)).toEqual([2]);
  });
});

describe('colorbar', () => {
  it('draws the colormap bottom (low) to top (high) with an outline', () => {
    const bar = colorbar({ colormap: 'viridis', length: 256, thickness: 10 });
    // Vertical layout: padding 4, half a font row (5) above the bar, outline 1.
    const barX = 5;
    const barY = 4 + 5 + 1;
    expect(pixel(bar, barX, barY + 255).slice(0, 3)).toEqual(colormapColor('viridis', 0));
    expect(pixel(bar, barX + 9, barY).slice(0, 3)).toEqual(colormapColor('viridis', 1));
    expect(pixel(bar, barX, barY + 127).slice(0, 3)).toEqual(colormapColor('viridis', 128 / 255));
    expect(pixel(bar, barX - 1, barY)).toEqual([0, 0, 0, 255]);
    expect(pixel(bar, barX, barY - 1)).toEqual([0, 0, 0, 255]);
    expect(pixel(bar, barX + 10, barY + 100)).toEqual([0, 0, 0, 255]);
    expect(bar.height).toBe(barY + 256 + 1 + 5 + 4);
  });

  it('marks the ticks and labels them', () => {
    const bar = colorbar({ length: 101, thickness: 8, range: [-1, 1], ticks: 3 });
    const barX = 5;
    const barY = 10;
    // Ticks at the top (value 1), middle (0) and bottom (-1): 4 px marks right of the outline.
    for (const y of [barY, barY + 50, barY + 100]) {
      expect(pixel(bar, barX + 8 + 1, y)).toEqual([0, 0, 0, 255]);
      expect(pixel(bar, barX + 8 + 4, y)).toEqual([0, 0, 0, 255]);
    }
    expect(pixel(bar, barX + 8 + 2, barY + 25)).toEqual([255, 255, 255, 255]);
    // Labels '-1' is the widest: the image is wide enough for it, and dark pixels sit beside ticks.
    expect(bar.width).toBe(4 + 8 + 2 + 4 + 2 + 12 + 4);
    let dark = 0;
    for (let x = barX + 8 + 5; x < bar.width; x++) {
      for (let y = barY + 45; y < barY + 55; y++) if (pixel(bar, x, y)[0] === 0) dark++;
    }
    expect(dark).toBeGreaterThan(5);
  });

  it('draws horizontal bars with labels below and a caption', () => {
    const bar = colorbar({
      orientation: 'horizontal',
      length: 64,
      thickness: 6,
      colormap: 'gray',
      ticks: [0, 0.5, 1],
      label: 'saliency',
    });
    // Labels '0', '0.5', '1': half of '0.5' (18 px) sticks out left of the bar.
    const barX = 4 + 9 + 1;
    const barY = 5;
    expect(pixel(bar, barX, barY)).toEqual([0, 0, 0, 255]);
    expect(pixel(bar, barX + 63, barY + 5)).toEqual([255, 255, 255, 255]);
    expect(bar.height).toBe(4 + 6 + 2 + 4 + 2 + 10 + 4 + 10 + 4);
  });

  it('accepts a custom formatter and explicit ticks outside the range are dropped', () => {
    const bar = colorbar({ ticks: [0, 2], format: (v) => `${v * 100}%` });
    expect(bar.width).toBeGreaterThan(20);
    expectFvError(() => colorbar({ range: [1, 1] }), 'INVALID_ARGUMENT');
    expectFvError(() => colorbar({ length: 1 }), 'INVALID_ARGUMENT');
    expectFvError(() => colorbar({ ticks: -1 }), 'INVALID_ARGUMENT');
  });
});

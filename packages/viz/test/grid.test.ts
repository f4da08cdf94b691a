import { describe, expect, it } from 'vitest';
import {
  attributionGrid,
  composeGrid,
  createImage,
  createMap2D,
  gridLayout,
  visualizeAttribution,
} from '../src/index.js';
import { expectFvError, noiseImage, pixel } from './support.js';

function region(image: ReturnType<typeof createImage>, x: number, y: number, w: number, h: number) {
  const out: number[] = [];
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) out.push(...pixel(image, x + i, y + j));
  return out;
}

describe('gridLayout', () => {
  it('places equal panels in a row with titles above', () => {
    const panels = [0, 1, 2, 3].map((i) => ({ image: createImage(20, 10), title: `p${i}` }));
    const layout = gridLayout(panels, { gap: 5, padding: 3 });
    // Title row: 10 px font + 4 px gap.
    expect(layout.titleHeight).toBe(14);
    expect([layout.width, layout.height]).toEqual([3 + 4 * 20 + 3 * 5 + 3, 3 + 14 + 10 + 3]);
    expect(layout.panels.map((p) => [p.x, p.y])).toEqual([
      [3, 17],
      [28, 17],
      [53, 17],
      [78, 17],
    ]);
    // 'p0' is 12 px wide, centred over a 20 px cell.
    expect(layout.panels[0]).toMatchObject({ title: 'p0', titleX: 7, titleY: 3 });
  });

  it('wraps rows, centres smaller panels and cuts long titles', () => {
    const panels = [
      { image: createImage(30, 20), title: 'a very long title' },
      { image: createImage(10, 10) },
      { image: createImage(30, 20) },
    ];
    const layout = gridLayout(panels, { columns: 2, gap: 4, padding: 0 });
    expect([layout.width, layout.height]).toEqual([64, 2 * (14 + 20) + 4]);
    expect(layout.panels[0]!.title).toBe('a ver'); // 30 px fit 5 characters
    expect(layout.panels[1]).toMatchObject({ x: 34 + 10, y: 14 + 5 });
    expect(layout.panels[2]).toMatchObject({ x: 0, y: 34 + 4 + 14 });
    const untitled = gridLayout([{ image: createImage(5, 5) }], { padding: 0 });
    expect([untitled.width, untitled.height, untitled.titleHeight]).toEqual([5, 5, 0]);
  });

  it('rejects empty grids and bad options', () => {
    expectFvError(() => gridLayout([]), 'INVALID_ARGUMENT');
    expectFvError(
      () => gridLayout([{ image: createImage(1, 1) }], { columns: 0 }),
      'INVALID_ARGUMENT',
    );
    expectFvError(
      () => gridLayout([{ image: createImage(1, 1) }], { gap: -1 }),
      'INVALID_ARGUMENT',
    );
  });
});

describe('composeGrid', () => {
  it('copies every panel to its place and draws the titles', () => {
    const a = noiseImage(12, 8, 1, true);
    const b = noiseImage(12, 8, 2, true);
    const panels = [
      { image: a, title: 'one' },
      { image: b, title: 'two' },
    ];
    const out = composeGrid(panels, { background: '#ffffff', textColor: '#ff0000' });
    const layout = gridLayout(panels);
    expect([out.width, out.height]).toEqual([layout.width, layout.height]);
    layout.panels.forEach((place, i) => {
      expect(region(out, place.x, place.y, 12, 8)).toEqual(Array.from(panels[i]!.image.data));
    });
    // Title rows hold red text pixels and nothing else but background.
    let red = 0;
    for (let y = 8; y < 8 + 10; y++) {
      for (let x = 0; x < out.width; x++) {
        const p = pixel(out, x, y);
        if (p[0] === 255 && p[1] === 0) red++;
        else expect(p).toEqual([255, 255, 255, 255]);
      }
    }
    expect(red).toBeGreaterThan(20);
    expect(pixel(out, 0, 0)).toEqual([255, 255, 255, 255]);
  });

  it('composites translucent panels over the background', () => {
    const clear = createImage(2, 2, [0, 0, 0, 0]);
    const out = composeGrid([{ image: clear }], { background: '#336699', padding: 1 });
    expect(pixel(out, 1, 1)).toEqual([0x33, 0x66, 0x99, 255]);
  });
});

describe('attributionGrid', () => {
  it('shows image, absolute, positive and negative with titles', () => {
    const image = noiseImage(48, 16, 3, true);
    const map = createMap2D([-1, 0.5, 2, -3], 2, 2);
    const out = attributionGrid(image, map, { padding: 0, gap: 0 });
    const layout = gridLayout(
      ['image', 'absolute', 'positive', 'negative'].map((title) => ({ image, title })),
      { padding: 0, gap: 0 },
    );
    expect([out.width, out.height]).toEqual([layout.width, layout.height]);
    expect(layout.panels.map((p) => p.title)).toEqual([
      'image',
      'absolute',
      'positive',
      'negative',
    ]);
    const [first, abs, pos, neg] = layout.panels;
    expect(region(out, first!.x, first!.y, 48, 16)).toEqual(Array.from(image.data));
    for (const [place, sign] of [
      [abs, 'absolute'],
      [pos, 'positive'],
      [neg, 'negative'],
    ] as const) {
      const expected = visualizeAttribution(map, image, { sign });
      expect(region(out, place!.x, place!.y, 48, 16), sign).toEqual(Array.from(expected.data));
    }
  });

  it('takes signs, colormaps and method', () => {
    const image = noiseImage(8, 8, 4, true);
    const map = createMap2D([-1, 1, 2, -2], 2, 2);
    const out = attributionGrid(image, map, {
      signs: ['all'],
      colormaps: { all: 'RdBu' },
      method: 'overlay',
      showImage: false,
      padding: 0,
    });
    expect([out.width, out.height]).toEqual([8, 8 + 14]);
    const expected = visualizeAttribution(map, image, {
      sign: 'all',
      colormap: 'RdBu',
      method: 'overlay',
    });
    expect(region(out, 0, 14, 8, 8)).toEqual(Array.from(expected.data));
  });
});

import { describe, expect, it } from 'vitest';
import {
  colorize,
  colormapColor,
  createImage,
  createMap2D,
  defaultColormap,
  getColormap,
} from '../src/index.js';
import { expectFvError, pixel } from './support.js';

describe('colorize', () => {
  it('looks up normalized values in the colormap, opaque', () => {
    const map = createMap2D([0, 0.25, 0.5, 1], 4, 1);
    const image = colorize(map, { colormap: 'viridis', normalize: 'min-max' });
    expect([image.width, image.height, image.data.length]).toEqual([4, 1, 16]);
    expect(pixel(image, 0, 0)).toEqual([68, 1, 84, 255]);
    expect(pixel(image, 1, 0)).toEqual([...colormapColor('viridis', 0.25), 255]);
    // 0.5 → entry 128, matplotlib's viridis(0.5).
    expect(pixel(image, 2, 0)).toEqual([32, 144, 140, 255]);
    expect(pixel(image, 3, 0)).toEqual([253, 231, 36, 255]);
  });

  it('uses the entry matplotlib picks for every value', () => {
    const n = 1000;
    const values = Float32Array.from({ length: n }, (_, i) => i / (n - 1));
    const image = colorize(createMap2D(values, n, 1), { colormap: 'turbo', range: [0, 1] });
    const { rgb } = getColormap('turbo');
    for (let i = 0; i < n; i++) {
      const k = Math.min(255, Math.floor(values[i]! * 256)) * 3;
      expect(pixel(image, i, 0).slice(0, 3)).toEqual([rgb[k], rgb[k + 1], rgb[k + 2]]);
    }
  });

  it('centres signed maps on a diverging colormap', () => {
    const map = createMap2D([-2, 0, 2], 3, 1);
    const image = colorize(map, { sign: 'all', colormap: 'bwr', normalize: 'abs-max' });
    expect(pixel(image, 0, 0)).toEqual([0, 0, 255, 255]);
    expect(pixel(image, 1, 0)).toEqual([255, 254, 254, 255]); // bwr entry 128
    expect(pixel(image, 2, 0)).toEqual([255, 0, 0, 255]);
  });

  it("defaults to Captum's colormaps per sign", () => {
    expect(defaultColormap()).toBe('Blues');
    expect(defaultColormap('positive')).toBe('Greens');
    expect(defaultColormap('negative')).toBe('Reds');
    expect(defaultColormap('all')).toBe('bwr');
    const map = createMap2D([-1, 1], 2, 1);
    expect(pixel(colorize(map, { sign: 'positive' }), 1, 0)).toEqual([0, 68, 27, 255]);
    expect(pixel(colorize(map, { sign: 'negative' }), 0, 0)).toEqual([103, 0, 12, 255]);
    expect(pixel(colorize(map), 0, 0)).toEqual([8, 48, 107, 255]);
  });

  it('accepts user colormaps as stops', () => {
    const map = createMap2D([0, 1], 2, 1);
    const image = colorize(map, {
      normalize: 'min-max',
      colormap: [
        { offset: 0, color: '#000000' },
        { offset: 1, color: '#00ff00' },
      ],
    });
    expect(pixel(image, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(image, 1, 0)).toEqual([0, 255, 0, 255]);
  });

  it('draws into a given image', () => {
    const map = createMap2D([0, 0.5, 1, 0.25], 2, 2);
    const target = createImage(2, 2, '#123456');
    const drawn = colorize(map, { into: target, normalize: 'min-max' });
    expect(drawn.data).toBe(target.data);
    expect(drawn.data).toEqual(colorize(map, { normalize: 'min-max' }).data);
    expectFvError(() => colorize(map, { into: createImage(1, 4) }), 'SHAPE_MISMATCH');
  });

  it('draws NaN transparent', () => {
    const image = colorize(createMap2D([Number.NaN, 1], 2, 1));
    expect(pixel(image, 0, 0)).toEqual([0, 0, 0, 0]);
    expect(pixel(image, 1, 0)[3]).toBe(255);
  });

  it('rejects an unknown colormap', () => {
    expectFvError(
      () => colorize(createMap2D([1], 1, 1), { colormap: 'nope' as never }),
      'INVALID_ARGUMENT',
    );
  });
});

import { describe, expect, it } from 'vitest';
import {
  COLORMAP_SIZE,
  colormapColor,
  colormapFromStops,
  colormapIndex,
  colormapNames,
  getColormap,
  isColormapName,
  reverseColormap,
} from '../../src/index.js';
import { expectFvError } from '../support.js';

// Read from matplotlib 3.6.3: `matplotlib.colormaps[name](i, bytes=True)[:3]` for i in
// 0, 64, 128, 200, 255 ('RdBu' is matplotlib's 'RdBu_r').
const MATPLOTLIB: Record<string, Record<number, [number, number, number]>> = {
  viridis: {
    0: [68, 1, 84],
    64: [58, 82, 139],
    128: [32, 144, 140],
    200: [112, 206, 86],
    255: [253, 231, 36],
  },
  magma: {
    0: [0, 0, 3],
    64: [80, 18, 123],
    128: [182, 54, 121],
    200: [253, 151, 104],
    255: [251, 252, 191],
  },
  inferno: {
    0: [0, 0, 3],
    64: [87, 15, 109],
    128: [187, 55, 84],
    200: [251, 157, 6],
    255: [252, 254, 164],
  },
  plasma: {
    0: [12, 7, 134],
    64: [126, 3, 167],
    128: [203, 71, 119],
    200: [250, 160, 57],
    255: [239, 248, 33],
  },
  cividis: {
    0: [0, 34, 77],
    64: [67, 78, 107],
    128: [124, 123, 120],
    200: [196, 180, 104],
    255: [253, 231, 55],
  },
  turbo: {
    0: [48, 18, 59],
    64: [40, 187, 235],
    128: [164, 252, 59],
    200: [244, 101, 22],
    255: [122, 4, 2],
  },
  gray: {
    0: [0, 0, 0],
    64: [64, 64, 64],
    128: [128, 128, 128],
    200: [200, 200, 200],
    255: [255, 255, 255],
  },
  jet: {
    0: [0, 0, 127],
    64: [0, 128, 255],
    128: [124, 255, 121],
    200: [255, 118, 0],
    255: [127, 0, 0],
  },
  hot: {
    0: [10, 0, 0],
    64: [178, 0, 0],
    128: [255, 91, 0],
    200: [255, 255, 38],
    255: [255, 255, 255],
  },
  bwr: {
    0: [0, 0, 255],
    64: [128, 128, 255],
    128: [255, 254, 254],
    200: [255, 110, 110],
    255: [255, 0, 0],
  },
  RdBu: {
    0: [5, 48, 97],
    64: [107, 172, 208],
    128: [247, 246, 246],
    200: [218, 106, 85],
    255: [103, 0, 31],
  },
  coolwarm: {
    0: [58, 76, 192],
    64: [141, 175, 253],
    128: [221, 220, 219],
    200: [240, 139, 109],
    255: [179, 3, 38],
  },
  seismic: {
    0: [0, 0, 76],
    64: [1, 1, 255],
    128: [255, 253, 253],
    200: [237, 0, 0],
    255: [127, 0, 0],
  },
  Greens: {
    0: [247, 252, 245],
    64: [198, 232, 191],
    128: [115, 195, 117],
    200: [25, 130, 62],
    255: [0, 68, 27],
  },
  Reds: {
    0: [255, 245, 240],
    64: [252, 186, 160],
    128: [250, 105, 73],
    200: [192, 21, 26],
    255: [103, 0, 12],
  },
  Blues: {
    0: [247, 251, 255],
    64: [197, 218, 238],
    128: [106, 173, 213],
    200: [26, 104, 174],
    255: [8, 48, 107],
  },
};

describe('built-in colormaps', () => {
  it('has exactly the sixteen maps of the spec', () => {
    expect([...colormapNames].sort()).toEqual(Object.keys(MATPLOTLIB).sort());
  });

  for (const [name, samples] of Object.entries(MATPLOTLIB)) {
    it(`${name} matches matplotlib's table`, () => {
      expect(isColormapName(name)).toBe(true);
      const { rgb } = getColormap(name as never);
      expect(rgb.length).toBe(COLORMAP_SIZE * 3);
      for (const [index, color] of Object.entries(samples)) {
        const i = Number(index) * 3;
        expect([rgb[i], rgb[i + 1], rgb[i + 2]], `${name}[${index}]`).toEqual(color);
      }
    });
  }

  it('caches decoded tables', () => {
    expect(getColormap('viridis')).toBe(getColormap('viridis'));
  });

  it('rejects unknown names and lists the valid ones', () => {
    const error = expectFvError(() => getColormap('rainbow' as never), 'INVALID_ARGUMENT');
    expect(error.message).toContain('rainbow');
    expect(error.message).toContain('viridis');
    expect(isColormapName('toString')).toBe(false);
  });
});

describe('colormapIndex and colormapColor', () => {
  it('maps values the way matplotlib does: floor(t * 256), 1 on the last entry, clamped', () => {
    expect(colormapIndex(0)).toBe(0);
    expect(colormapIndex(0.5)).toBe(128);
    expect(colormapIndex(0.999)).toBe(255);
    expect(colormapIndex(1)).toBe(255);
    expect(colormapIndex(-3)).toBe(0);
    expect(colormapIndex(7)).toBe(255);
    expect(colormapColor('viridis', 0)).toEqual([68, 1, 84]);
    expect(colormapColor('viridis', 1)).toEqual([253, 231, 36]);
  });
});

describe('user colormaps', () => {
  it('interpolates linearly between stops', () => {
    const lut = colormapFromStops([
      { offset: 0, color: '#000000' },
      { offset: 1, color: [255, 0, 102] },
    ]);
    expect(Array.from(lut.rgb.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(lut.rgb.subarray(255 * 3))).toEqual([255, 0, 102]);
    // Entry 51 is x = 0.2.
    expect(Array.from(lut.rgb.subarray(51 * 3, 52 * 3))).toEqual([51, 0, 20]);
  });

  it('holds the end colours outside the stops and handles three stops', () => {
    const lut = colormapFromStops(
      [
        { offset: 0.2, color: '#0000ff' },
        { offset: 0.6, color: '#fff' },
        { offset: 0.8, color: '#ff0000' },
      ],
      'mine',
    );
    expect(lut.name).toBe('mine');
    expect(colormapColor(lut, 0)).toEqual([0, 0, 255]);
    expect(colormapColor(lut, 0.1)).toEqual([0, 0, 255]);
    expect(colormapColor(lut, 1)).toEqual([255, 0, 0]);
    expect(colormapColor(lut, 0.6)).toEqual([255, 255, 255]);
    // Entry 102 is x = 0.4: halfway from blue to white.
    expect(Array.from(lut.rgb.subarray(102 * 3, 103 * 3))).toEqual([128, 128, 255]);
  });

  it('accepts stops wherever a colormap is accepted', () => {
    const stops = [
      { offset: 0, color: '#102030' },
      { offset: 1, color: '#102030' },
    ] as const;
    expect(colormapColor(stops, 0.5)).toEqual([16, 32, 48]);
  });

  it('rejects bad stops', () => {
    expectFvError(() => colormapFromStops([]), 'INVALID_ARGUMENT');
    expectFvError(() => colormapFromStops([{ offset: 1.5, color: '#000' }]), 'INVALID_ARGUMENT');
    expectFvError(
      () =>
        colormapFromStops([
          { offset: 0.5, color: '#000' },
          { offset: 0.2, color: '#fff' },
        ]),
      'INVALID_ARGUMENT',
    );
    expectFvError(() => colormapFromStops([{ offset: 0, color: 'red' }]), 'INVALID_ARGUMENT');
    expectFvError(() => getColormap({ name: 'short', rgb: new Uint8Array(3) }), 'INVALID_ARGUMENT');
  });

  it('reverses a colormap', () => {
    const reversed = reverseColormap('viridis');
    expect(reversed.name).toBe('viridis_r');
    expect(colormapColor(reversed, 0)).toEqual([253, 231, 36]);
    expect(colormapColor(reversed, 1)).toEqual([68, 1, 84]);
  });
});

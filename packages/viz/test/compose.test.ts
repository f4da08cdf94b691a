import { resizeMap } from '@fv/core';
import { describe, expect, it } from 'vitest';
import {
  alphaScaling,
  blendedHeatMap,
  blendImages,
  colorize,
  createImage,
  createMap2D,
  grayscale,
  maskedImage,
  normalizeMap,
  overlay,
  visualizeAttribution,
} from '../src/index.js';
import { expectFvError, noiseImage, pixel } from './support.js';

const image = noiseImage(4, 4, 11, true);
// 2×2 map, upsampled to the 4×4 image.
const map = createMap2D([0, 1, 2, 4], 2, 2);

describe('blendImages and grayscale', () => {
  it('composites source-over with the given alpha', () => {
    const base = createImage(1, 1, [100, 0, 200, 255]);
    const top = createImage(1, 1, [200, 100, 0, 255]);
    expect(pixel(blendImages(base, top, 0.5), 0, 0)).toEqual([150, 50, 100, 255]);
    expect(pixel(blendImages(base, top, 0), 0, 0)).toEqual([100, 0, 200, 255]);
    expect(pixel(blendImages(base, top, 1), 0, 0)).toEqual([200, 100, 0, 255]);
    // The top's own alpha scales too; a transparent base gains alpha.
    const halfTop = createImage(1, 1, [200, 100, 0, 128]);
    const clear = createImage(1, 1, [0, 0, 0, 0]);
    expect(pixel(blendImages(clear, halfTop, 1), 0, 0)).toEqual([100, 50, 0, 128]);
    expectFvError(() => blendImages(base, createImage(2, 1), 0.5), 'SHAPE_MISMATCH');
    expectFvError(() => blendImages(base, top, 2), 'INVALID_ARGUMENT');
  });

  it('grayscale is the mean of R, G and B', () => {
    const g = grayscale(createImage(1, 1, [30, 60, 120, 77]));
    expect(pixel(g, 0, 0)).toEqual([70, 70, 70, 77]);
  });
});

describe('overlay and blendedHeatMap', () => {
  it('overlay = image blended with the heat map of the upsampled map', () => {
    const options = { colormap: 'jet', normalize: 'min-max', alpha: 0.4 } as const;
    const result = overlay(image, map, options);
    const heat = colorize(resizeMap(map, 4, 4), options);
    expect(result.width).toBe(4);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        const a = pixel(image, x, y);
        const h = pixel(heat, x, y);
        const expected = [0, 1, 2].map((c) => Math.round(a[c]! + (h[c]! - a[c]!) * 0.4));
        const got = pixel(result, x, y);
        expected.forEach((v, c) => {
          expect(Math.abs(got[c]! - v)).toBeLessThanOrEqual(1);
        });
        expect(got[3]).toBe(255);
      }
    }
  });

  it('on a translucent image equals blendImages of the heat map (alpha composited too)', () => {
    // Every alpha (0.5 has a kernel of its own), sizes that leave pixels over from the kernels'
    // groups of four, and a hole in the map.
    const holes = createMap2D([0, 1, Number.NaN, 2, 4, 3], 3, 2);
    for (const [width, height] of [
      [4, 4],
      [7, 5],
    ] as const) {
      const translucent = noiseImage(width, height, 12);
      for (const source of [map, holes]) {
        const heat = colorize(resizeMap(source, width, height), { colormap: 'viridis' });
        for (const alpha of [0, 0.3, 0.5, 1]) {
          expect(
            overlay(translucent, source, { colormap: 'viridis', alpha }).data,
            `${width}×${height} alpha ${alpha}`,
          ).toEqual(blendImages(translucent, heat, alpha).data);
        }
      }
    }
  });

  it('draws into a given image, also in place', () => {
    const expected = overlay(image, map, { colormap: 'jet' });
    const target = createImage(4, 4);
    const drawn = overlay(image, map, { colormap: 'jet', into: target });
    expect(drawn.data).toBe(target.data);
    expect(drawn.data).toEqual(expected.data);
    const copy = { data: new Uint8ClampedArray(image.data), width: 4, height: 4 };
    overlay(copy, map, { colormap: 'jet', into: copy });
    expect(copy.data).toEqual(expected.data);
    expectFvError(() => overlay(image, map, { into: createImage(2, 2) }), 'SHAPE_MISMATCH');
  });

  it('nearest interpolation keeps the map blocky', () => {
    const result = overlay(image, map, {
      interpolation: 'nearest',
      alpha: 1,
      normalize: 'min-max',
    });
    expect(pixel(result, 0, 0)).toEqual(pixel(result, 1, 1));
    expect(pixel(result, 2, 2)).toEqual(pixel(result, 3, 3));
    expect(pixel(result, 0, 0)).toEqual([247, 251, 255, 255]); // Blues(0)
  });

  it('NaN in the map lets the image show through', () => {
    const holes = createMap2D([Number.NaN, 1, 1, 1], 2, 2);
    const result = overlay(image, holes, { interpolation: 'nearest' });
    expect(pixel(result, 0, 0)).toEqual(pixel(image, 0, 0));
  });

  it('blendedHeatMap puts the heat map over the image in grey', () => {
    const result = blendedHeatMap(image, map, { alpha: 0 });
    expect(result.data).toEqual(grayscale(image).data);
    const full = blendedHeatMap(image, map, { alpha: 1, normalize: 'min-max' });
    expect(full.data).toEqual(colorize(resizeMap(map, 4, 4), { normalize: 'min-max' }).data);
  });
});

describe('maskedImage and alphaScaling (Captum)', () => {
  it('maskedImage multiplies the image by the normalized map', () => {
    const result = maskedImage(image, map, { normalize: 'min-max', interpolation: 'nearest' });
    const mask = normalizeMap(resizeMap(map, 4, 4, 'nearest'), { normalize: 'min-max' }).data;
    for (let p = 0; p < 16; p++) {
      for (let c = 0; c < 3; c++) {
        expect(result.data[p * 4 + c]).toBe(
          Uint8ClampedArray.of(image.data[p * 4 + c]! * mask[p]!)[0],
        );
      }
      expect(result.data[p * 4 + 3]).toBe(255);
    }
    expect(pixel(result, 0, 0).slice(0, 3)).toEqual([0, 0, 0]);
    expect(pixel(result, 3, 3)).toEqual(pixel(image, 3, 3));
  });

  it('alphaScaling turns the normalized map into alpha', () => {
    const result = alphaScaling(image, map, { normalize: 'abs-max', interpolation: 'nearest' });
    // abs-max: 0 → 0, 1 → 0.25, 2 → 0.5, 4 → 1.
    expect(pixel(result, 0, 0)).toEqual([...pixel(image, 0, 0).slice(0, 3), 0]);
    expect(pixel(result, 2, 0)[3]).toBe(64);
    expect(pixel(result, 0, 2)[3]).toBe(128);
    expect(pixel(result, 3, 3)).toEqual(pixel(image, 3, 3));
  });

  it('both reject sign all, as Captum does', () => {
    expectFvError(() => maskedImage(image, map, { sign: 'all' }), 'INVALID_ARGUMENT');
    expectFvError(() => alphaScaling(image, map, { sign: 'all' }), 'INVALID_ARGUMENT');
  });
});

describe('visualizeAttribution', () => {
  it('dispatches on the method', () => {
    const heat = visualizeAttribution(map, undefined);
    expect([heat.width, heat.height]).toEqual([2, 2]);
    const heatOnImage = visualizeAttribution(map, image, { method: 'heat-map' });
    expect([heatOnImage.width, heatOnImage.height]).toEqual([4, 4]);
    expect(visualizeAttribution(map, image, { method: 'original-image' })).toBe(image);
    expect(visualizeAttribution(map, image, { method: 'overlay' }).data).toEqual(
      overlay(image, map).data,
    );
    expect(visualizeAttribution(map, image, { method: 'blended-heat-map' }).data).toEqual(
      blendedHeatMap(image, map).data,
    );
    expect(visualizeAttribution(map, image, { method: 'masked-image' }).data).toEqual(
      maskedImage(image, map).data,
    );
    expect(visualizeAttribution(map, image, { method: 'alpha-scaling' }).data).toEqual(
      alphaScaling(image, map).data,
    );
    expectFvError(
      () => visualizeAttribution(map, undefined, { method: 'overlay' }),
      'INVALID_ARGUMENT',
    );
    expectFvError(
      () => visualizeAttribution(map, image, { method: 'contour' as never }),
      'INVALID_ARGUMENT',
    );
  });
});

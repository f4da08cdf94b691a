// Pointing game (Zhang et al. 2016) and energy-based pointing game (Wang et al. 2020) on maps
// whose answers are worked out by hand.
import { describe, expect, it } from 'vitest';
import { energyPointingGame, type Map2D, pointingGame } from '../../src/index.js';

const map = (w: number, h: number, f: (x: number, y: number) => number): Map2D => ({
  data: Float32Array.from({ length: w * h }, (_, i) => f(i % w, Math.floor(i / w))),
  width: w,
  height: h,
});

describe('pointing game', () => {
  // Peak at (7, 2) on a 10 × 8 map.
  const peaked = map(10, 8, (x, y) => 1 / (1 + (x - 7) ** 2 + (y - 2) ** 2));

  it('hits when the maximum lies in the box or mask, and reports the point', () => {
    const r = pointingGame(peaked, { x: 6, y: 1, width: 3, height: 2 }, 0);
    expect(r).toEqual({ hit: true, point: { x: 7, y: 2 } });
    expect(pointingGame(peaked, { x: 0, y: 0, width: 7, height: 8 }, 0).hit).toBe(false);
    const mask = map(10, 8, (x, y) => (x === 7 && y === 2 ? 1 : 0));
    expect(pointingGame(peaked, mask, 0).hit).toBe(true);
  });

  it('counts a miss within the tolerance (Euclidean, in map pixels) as a hit', () => {
    // The box's nearest pixel, (4, 2), is 3 pixels away from the maximum.
    const box = { x: 0, y: 0, width: 5, height: 8 };
    expect(pointingGame(peaked, box, 2.9).hit).toBe(false);
    expect(pointingGame(peaked, box, 3).hit).toBe(true);
    // The nearest mask pixel (5, 0) is √8 ≈ 2.83 away: inside a disc of radius 3, not of 2.8.
    const mask = map(10, 8, (x, y) => (x === 5 && y === 0 ? 255 : 0));
    expect(pointingGame(peaked, mask, 2.8).hit).toBe(false);
    expect(pointingGame(peaked, mask, 3).hit).toBe(true);
    // The paper's default, 15 pixels, covers this whole map.
    expect(pointingGame(peaked, mask).hit).toBe(true);
  });

  it('takes the first maximum in row-major order on ties', () => {
    const flat = map(4, 4, (_x, y) => (y >= 2 ? 1 : 0));
    expect(pointingGame(flat, { x: 0, y: 2, width: 1, height: 1 }, 0).point).toEqual({
      x: 0,
      y: 2,
    });
  });

  it('rejects masks of another size, bad boxes and tolerances', () => {
    expect(() =>
      pointingGame(
        peaked,
        map(8, 10, () => 1),
      ),
    ).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => pointingGame(peaked, { x: 0, y: 0, width: 0, height: 2 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => pointingGame(peaked, { x: 0, y: 0, width: 2, height: 2 }, -1)).toThrow(
      /tolerance/,
    );
  });
});

describe('energy-based pointing game', () => {
  it('is the share of the map’s sum inside the region', () => {
    // Values 1..12 on a 4 × 3 map; the box covers columns 1–2 of rows 0–1: 2 + 3 + 6 + 7 = 18.
    const m = map(4, 3, (x, y) => 1 + x + 4 * y);
    expect(energyPointingGame(m, { x: 1, y: 0, width: 2, height: 2 })).toBeCloseTo(18 / 78, 12);
    // A box running past the edge is cut there; a fractional box holds the pixels whose centre
    // it contains: x from 2.5 holds columns 2 and 3 (centres 2.5 and 3.5).
    expect(energyPointingGame(m, { x: 2.5, y: 1, width: 10, height: 10 })).toBeCloseTo(
      (7 + 8 + 11 + 12) / 78,
      12,
    );
    expect(energyPointingGame(m, { x: 2.6, y: 1, width: 10, height: 10 })).toBeCloseTo(
      (8 + 12) / 78,
      12,
    );
    const mask = map(4, 3, (x) => (x === 0 ? 1 : 0));
    expect(energyPointingGame(m, mask)).toBeCloseTo((1 + 5 + 9) / 78, 12);
  });

  it('is NaN for an all-zero map and refuses negative values', () => {
    expect(
      energyPointingGame(
        map(3, 3, () => 0),
        { x: 0, y: 0, width: 1, height: 1 },
      ),
    ).toBeNaN();
    expect(() =>
      energyPointingGame(
        map(3, 3, (x) => x - 1),
        { x: 0, y: 0, width: 1, height: 1 },
      ),
    ).toThrow(/non-negative/);
  });
});

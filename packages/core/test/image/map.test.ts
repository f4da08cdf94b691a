import { describe, expect, it } from 'vitest';
import { isFvError, type Map2D, resizeMap } from '../../src/index.js';

const createMap2D = (
  data: readonly number[] | Float32Array,
  width: number,
  height: number,
): Map2D => ({
  data: Float32Array.from(data),
  width,
  height,
});

const expectFvError = (fn: () => unknown, code: string) => {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(isFvError(error) && error.code).toBe(code);
};

describe('resizeMap', () => {
  const map = createMap2D([0, 1, 2, 3], 2, 2);

  it('bilinear matches PyTorch interpolate(align_corners=False)', () => {
    // torch.nn.functional.interpolate(torch.tensor([[[[0., 1.], [2., 3.]]]]), size=(4, 4),
    //   mode='bilinear', align_corners=False)
    const expected = [
      [0, 0.25, 0.75, 1],
      [0.5, 0.75, 1.25, 1.5],
      [1.5, 1.75, 2.25, 2.5],
      [2, 2.25, 2.75, 3],
    ].flat();
    const up = resizeMap(map, 4, 4, 'bilinear');
    expect([up.width, up.height]).toEqual([4, 4]);
    expect(Array.from(up.data)).toEqual(expected);
    expect(Array.from(resizeMap(map, 4, 4).data)).toEqual(expected);
  });

  it('bilinear handles odd factors and keeps a constant map constant', () => {
    const cam = createMap2D(new Float32Array(49).fill(0.3), 7, 7);
    const up = resizeMap(cam, 224, 224);
    expect(up.data.every((v) => Math.abs(v - 0.3) < 1e-6)).toBe(true);
    // A ramp stays monotone and within its range.
    const ramp = resizeMap(createMap2D([0, 1, 2], 3, 1), 10, 1);
    for (let i = 1; i < 10; i++) expect(ramp.data[i]!).toBeGreaterThanOrEqual(ramp.data[i - 1]!);
    expect(ramp.data[0]).toBe(0);
    expect(ramp.data[9]).toBe(2);
  });

  it('nearest repeats pixels (blocks of the scale factor)', () => {
    const up = resizeMap(map, 4, 4, 'nearest');
    expect(Array.from(up.data)).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
    const down = resizeMap(createMap2D([0, 1, 2, 3, 4, 5], 6, 1), 3, 1, 'nearest');
    expect(Array.from(down.data)).toEqual([1, 3, 5]);
  });

  it('returns the same map for the same size and rejects bad sizes', () => {
    expect(resizeMap(map, 2, 2)).toBe(map);
    expectFvError(() => resizeMap(map, 0, 2), 'INVALID_ARGUMENT');
    expectFvError(() => resizeMap(map, 2, 3, 'cubic' as never), 'INVALID_ARGUMENT');
  });
});

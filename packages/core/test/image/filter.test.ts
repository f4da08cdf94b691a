import { describe, expect, it } from 'vitest';
import { gaussianBlur, roll, zoomCenter } from '../../src/image/filter.js';
import {
  resizeImageTensor as resizeBilinear,
  resizeImageTensorAdjoint as resizeBilinearAdjoint,
} from '../../src/image/resize.js';
import { fromPlanar, toPlanar } from '../../src/image/shape.js';
import type { Tensor } from '../../src/index.js';
import { randomImage } from '../dream/helpers/analytic-engine.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

describe('image toolkit', () => {
  it('roll shifts like np.roll on the last two axes', () => {
    const x = { data: Float32Array.from([0, 1, 2, 3, 4, 5]), dims: [1, 1, 2, 3] };
    // np.roll(np.roll(x, 1, -1), 1, -2) = [[5,3,4],[2,0,1]]
    expect(Array.from(roll(x, 1, 1).data)).toEqual([5, 3, 4, 2, 0, 1]);
    expect(Array.from(roll(roll(x, 7, -4), -7, 4).data)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('bilinear resize keeps constants and matches half-pixel interpolation', () => {
    const c = { data: new Float32Array(12).fill(2.5), dims: [1, 1, 3, 4] };
    expect(Array.from(resizeBilinear(c, 5, 7).data).every((v) => Math.abs(v - 2.5) < 1e-6)).toBe(
      true,
    );
    // 1×2 → 1×4: centres at -0.25, 0.25, 0.75, 1.25 → clamp → [a, 0.75a+0.25b, 0.25a+0.75b, b]
    const x = { data: Float32Array.from([0, 4]), dims: [1, 1, 1, 2] };
    expect(Array.from(resizeBilinear(x, 1, 4).data)).toEqual([0, 1, 3, 4]);
  });

  it('the resize adjoint is the transpose (⟨Rx, g⟩ = ⟨x, Rᵀg⟩)', () => {
    for (const [h, w, H, W] of [
      [5, 7, 9, 4],
      [12, 10, 7, 8],
    ] as const) {
      const x = randomImage([1, 2, h, w], 3);
      const g = randomImage([1, 2, H, W], 4);
      const lhs = dot(resizeBilinear(x, H, W).data, g.data);
      const rhs = dot(x.data, resizeBilinearAdjoint(g, h, w).data);
      expect(lhs).toBeCloseTo(rhs, 4);
    }
  });

  it('blur keeps a constant image and preserves the mean of a smooth one', () => {
    const c = { data: new Float32Array(64).fill(1), dims: [1, 1, 8, 8] };
    for (const v of gaussianBlur(c, 1).data) expect(v).toBeCloseTo(1, 6);
    const x = randomImage([1, 1, 8, 8], 1);
    const b = gaussianBlur(x, 0.5);
    const var_ = (a: Float32Array) => {
      const m = a.reduce((s, v) => s + v, 0) / a.length;
      return a.reduce((s, v) => s + (v - m) ** 2, 0);
    };
    expect(var_(b.data)).toBeLessThan(var_(x.data));
  });

  it('zoomCenter with factor 1 is the identity and enlarges the centre otherwise', () => {
    const x = randomImage([1, 1, 6, 6], 9);
    expect(Array.from(zoomCenter(x, 1).data)).toEqual(Array.from(x.data));
    const ramp = { data: Float32Array.from({ length: 9 }, (_, i) => i % 3), dims: [1, 1, 3, 3] };
    const z = zoomCenter(ramp, 2);
    expect(Array.from(z.data.slice(0, 3))).toEqual([0.5, 1, 1.5]);
  });
});

describe('every operation gives the same image in NHWC as in NCHW', () => {
  // Planar → NHWC → operation in NHWC → planar must equal the operation in NCHW, bit for bit.
  const x = randomImage([2, 3, 5, 7], 4);
  const nhwc = fromPlanar(x, 'NHWC');
  const same = (a: Tensor, b: Tensor) => {
    expect(a.dims).toEqual(b.dims);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  };
  it('layout round trip', () => {
    expect(nhwc.dims).toEqual([2, 5, 7, 3]);
    same(toPlanar(nhwc, 'NHWC'), x);
  });
  it('roll, blur, zoom, resize and its adjoint', () => {
    same(toPlanar(roll(nhwc, 2, -3, 'NHWC'), 'NHWC'), roll(x, 2, -3));
    same(toPlanar(gaussianBlur(nhwc, 0.8, 'NHWC'), 'NHWC'), gaussianBlur(x, 0.8));
    same(toPlanar(zoomCenter(nhwc, 1.3, 'NHWC'), 'NHWC'), zoomCenter(x, 1.3));
    same(toPlanar(resizeBilinear(nhwc, 4, 9, 'NHWC'), 'NHWC'), resizeBilinear(x, 4, 9));
    same(
      toPlanar(resizeBilinearAdjoint(nhwc, 3, 4, 'NHWC'), 'NHWC'),
      resizeBilinearAdjoint(x, 3, 4),
    );
  });
});

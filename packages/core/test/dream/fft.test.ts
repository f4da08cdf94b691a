import { describe, expect, it } from 'vitest';
import {
  fft1d,
  fft2d,
  halfWidth,
  irfft2d,
  irfft2dAdjoint,
  rfft2d,
  rfft2dFrequencies,
} from '../../src/dream/fft.js';
import { randomImage } from './helpers/analytic-engine.js';

function naiveDft(re: number[], im: number[]): [number[], number[]] {
  const n = re.length;
  const or: number[] = [];
  const oi: number[] = [];
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * k * t) / n;
      sr += (re[t] as number) * Math.cos(a) - (im[t] as number) * Math.sin(a);
      si += (re[t] as number) * Math.sin(a) + (im[t] as number) * Math.cos(a);
    }
    or.push(sr);
    oi.push(si);
  }
  return [or, oi];
}

describe('FFT', () => {
  for (const n of [1, 2, 8, 16, 6, 7]) {
    it(`fft1d of length ${n} matches the direct DFT and inverts`, () => {
      const x = randomImage([n], n + 1).data;
      const y = randomImage([n], n + 2).data;
      const re = Float64Array.from(x);
      const im = Float64Array.from(y);
      fft1d(re, im);
      const [er, ei] = naiveDft(Array.from(x), Array.from(y));
      for (let k = 0; k < n; k++) {
        expect(re[k]).toBeCloseTo(er[k] as number, 9);
        expect(im[k]).toBeCloseTo(ei[k] as number, 9);
      }
      fft1d(re, im, true);
      for (let k = 0; k < n; k++) {
        expect(re[k]).toBeCloseTo(x[k] as number, 9);
        expect(im[k]).toBeCloseTo(y[k] as number, 9);
      }
    });
  }

  it('fft2d of a 2-D cosine has two peaks of height N/2', () => {
    const h = 8;
    const w = 6;
    const re = new Float64Array(h * w);
    const im = new Float64Array(h * w);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        re[y * w + x] = Math.cos(2 * Math.PI * ((2 * y) / h + (1 * x) / w));
    fft2d(re, im, h, w);
    for (let ky = 0; ky < h; ky++) {
      for (let kx = 0; kx < w; kx++) {
        const peak = (ky === 2 && kx === 1) || (ky === h - 2 && kx === w - 1);
        expect(re[ky * w + kx]).toBeCloseTo(peak ? (h * w) / 2 : 0, 9);
        expect(im[ky * w + kx]).toBeCloseTo(0, 9);
      }
    }
  });

  it('irfft2d of a known half spectrum is the cosine it describes', () => {
    // X[1][2] = N/2 in a 4×8 half spectrum (8 → 5 columns) ⇒ cos(2π(y/4 + 2x/8))... plus the
    // Hermitian mirror handled by irfft2d, so the result is cos with amplitude 1.
    const h = 4;
    const w = 8;
    const hw = halfWidth(w);
    const re = new Float64Array(h * hw);
    const im = new Float64Array(h * hw);
    re[1 * hw + 2] = (h * w) / 2;
    const img = irfft2d({ re, im }, h, w);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        expect(img[y * w + x]).toBeCloseTo(Math.cos(2 * Math.PI * (y / h + (2 * x) / w)), 9);
    // a DC term alone is a constant
    const dc = new Float64Array(h * hw);
    dc[0] = h * w * 3;
    for (const v of irfft2d({ re: dc, im: new Float64Array(h * hw) }, h, w))
      expect(v).toBeCloseTo(3, 9);
  });

  for (const [h, w] of [
    [8, 8],
    [6, 9],
    [5, 4],
  ] as const) {
    it(`rfft2d → irfft2d round trip and the adjoint identity at ${h}×${w}`, () => {
      const x = randomImage([h * w], h * 31 + w).data;
      const back = irfft2d(rfft2d(x, h, w), h, w);
      for (let i = 0; i < x.length; i++) expect(back[i]).toBeCloseTo(x[i] as number, 9);
      // ⟨irfft2d(S), g⟩ = ⟨S, irfft2dAdjoint(g)⟩ for an arbitrary half spectrum S (not Hermitian)
      const hw = halfWidth(w);
      const sre = Float64Array.from(randomImage([h * hw], 5).data);
      const sim = Float64Array.from(randomImage([h * hw], 6).data);
      const g = randomImage([h * w], 7).data;
      const img = irfft2d({ re: sre, im: sim }, h, w);
      let lhs = 0;
      for (let i = 0; i < g.length; i++) lhs += (img[i] as number) * (g[i] as number);
      const a = irfft2dAdjoint(g, h, w);
      let rhs = 0;
      for (let i = 0; i < h * hw; i++)
        rhs += (sre[i] as number) * (a.re[i] as number) + (sim[i] as number) * (a.im[i] as number);
      expect(lhs).toBeCloseTo(rhs, 9);
    });
  }

  it('frequencies follow numpy fftfreq', () => {
    const f = rfft2dFrequencies(4, 4);
    // rows fy = [0, .25, -.5, -.25], cols fx = [0, .25, .5]
    expect(f[0]).toBe(0);
    expect(f[1]).toBeCloseTo(0.25);
    expect(f[2]).toBeCloseTo(0.5);
    expect(f[2 * 3]).toBeCloseTo(0.5);
    expect(f[3 * 3 + 1]).toBeCloseTo(Math.SQRT2 / 4);
  });
});

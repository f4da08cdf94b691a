import { describe, expect, it } from 'vitest';
import { createAdam } from '../../src/dream/adam.js';
import {
  COLOR_DECORRELATION,
  decorrelatedToRgb,
  decorrelatedToRgbAdjoint,
  rgbToDecorrelated,
} from '../../src/dream/color.js';
import { createImageParameterization, spectrumScale } from '../../src/dream/parameterization.js';
import { l1Penalty, l2Penalty, totalVariation } from '../../src/dream/penalties.js';
import { createRng } from '../../src/random.js';
import { expectAllClose, randomImage } from './helpers/analytic-engine.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

describe('colour decorrelation', () => {
  it("is Lucid's matrix normalized by its largest column norm", () => {
    const norms = [0, 1, 2].map((j) =>
      Math.hypot(...COLOR_DECORRELATION.map((r) => r[j] as number)),
    );
    expect(Math.max(...norms)).toBeCloseTo(1, 12);
    expect(COLOR_DECORRELATION[0]?.[0]).toBeCloseTo(0.26 / Math.hypot(0.26, 0.27, 0.27), 12);
  });

  it('round-trips and has the transpose as adjoint', () => {
    const x = randomImage([2, 3, 4, 5], 1).data;
    expectAllClose(rgbToDecorrelated(decorrelatedToRgb(x, 20), 20), (i) => x[i] as number, 5);
    const g = randomImage([2, 3, 4, 5], 2).data;
    expect(dot(decorrelatedToRgb(x, 20), g)).toBeCloseTo(
      dot(x, decorrelatedToRgbAdjoint(g, 20)),
      5,
    );
  });
});

describe('Adam', () => {
  it('matches hand-computed steps (TF1 form, lr 0.05)', () => {
    const adam = createAdam(1);
    const p = Float32Array.from([1]);
    // t=1, g=2: m=0.2, v=0.004, lr_t = 0.05·√0.001/0.1 ⇒ p −= lr_t·m/(√v+ε) = 0.05
    adam.step(p, [2]);
    expect(p[0]).toBeCloseTo(0.95, 7);
    // t=2, g=−1: m = 0.18 − 0.1 = 0.08, v = 0.003996 + 0.001 = 0.004996
    // lr_t = 0.05·√(1−0.998001)/(1−0.81); step = lr_t·0.08/√0.004996
    const lrT = (0.05 * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.9 ** 2);
    adam.step(p, [-1]);
    expect(p[0]).toBeCloseTo(0.95 - (lrT * 0.08) / (Math.sqrt(0.004996) + 1e-8), 7);
    expect(adam.t).toBe(2);
  });

  it('minimizes a quadratic', () => {
    const adam = createAdam(2, { learningRate: 0.1 });
    const p = Float32Array.from([3, -2]);
    for (let i = 0; i < 500; i++) adam.step(p, [2 * (p[0] as number), 2 * (p[1] as number)]);
    expect(Math.abs(p[0] as number)).toBeLessThan(0.05);
    expect(Math.abs(p[1] as number)).toBeLessThan(0.05);
  });
});

describe('image parameterizations', () => {
  it('scale the spectrum by √(hw)/max(f, 1/max(h,w)) like Lucid', () => {
    const s = spectrumScale(4, 4);
    expect(s[0]).toBeCloseTo(4 / 0.25, 9);
    expect(s[1]).toBeCloseTo(4 / 0.25, 9);
    expect(s[2]).toBeCloseTo(4 / 0.5, 9);
  });

  for (const kind of ['fft', 'pixel'] as const) {
    for (const decorrelate of [true, false]) {
      it(`${kind}${decorrelate ? ' + decorrelated colour' : ''}: backward equals finite differences`, () => {
        const p = createImageParameterization(3, 6, 8, createRng(1), {
          kind,
          decorrelate,
          sd: 0.5,
        });
        const rgb = p.render();
        expect(rgb.every((v) => v > 0 && v < 1)).toBe(true);
        const g = randomImage([3, 6, 8], 4).data;
        const grad = p.backward(g);
        const dir = randomImage([p.params.length], 5).data;
        const base = Float32Array.from(p.params);
        const f = (eps: number) => {
          for (let i = 0; i < base.length; i++)
            p.params[i] = (base[i] as number) + eps * (dir[i] as number);
          return dot(p.render(), g);
        };
        const eps = 1e-2;
        const fd = (f(eps) - f(-eps)) / (2 * eps);
        expect(fd).toBeCloseTo(dot(grad, dir), 2);
        expect(Math.abs(fd - dot(grad, dir)) / Math.abs(fd)).toBeLessThan(2e-3);
      });
    }
  }
});

describe('penalties', () => {
  it('return Lucid values and their gradients', () => {
    const x = Float32Array.from([0.5, 0.7, 0.2, 0.6]);
    const g = new Float32Array(4);
    expect(l1Penalty(x, 0.5, g, 1)).toBeCloseTo(0.6, 6);
    expect(Array.from(g)).toEqual([0, 1, -1, 1]);
    const g2 = new Float32Array(4);
    const r = l2Penalty(x, 0.5, g2, 1);
    expect(r).toBeCloseTo(Math.sqrt(0.04 + 0.09 + 0.01 + 1e-6), 6);
    expect(g2[1]).toBeCloseTo(0.2 / r, 6);
    const g3 = new Float32Array(4);
    // 2×2: |0.2−0.5| + |0.6−0.7| + |0.7−0.5| + |0.6−0.2| = 0.3 + 0.1 + 0.2 + 0.4
    expect(totalVariation(x, 1, 2, 2, g3, 1)).toBeCloseTo(1, 6);
    expect(Array.from(g3).map((v) => Math.round(v))).toEqual([0, 2, -2, 0]);
  });
});

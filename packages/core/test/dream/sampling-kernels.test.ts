// The bilinear sampling kernels of the random transforms (sampleAffine and its adjoint) are tuned
// for speed (padded copies, tabulated taps, weights shared by the channels) and exist twice, in
// WebAssembly and in JavaScript (where WebAssembly is unavailable); both must stay bit-for-bit
// equal to the plain per-pixel formula, since unit visualization results are promised
// bit-identical across such rewrites and across the two. The reference below is that formula, written the obvious
// way: bounds tests per tap, weights `(1 − fy)·(1 − fx)` … in float64, each adjoint cell
// accumulated in float32 in output-pixel order, channel by channel.
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AffineSampling,
  applyTransforms,
  applyTransformsAdjoint,
  randomTransforms,
  sampleAffine,
  sampleAffineAdjoint,
  transformScratch,
} from '../../src/dream/transforms.js';
import { wasmKernels } from '../../src/dream/wasm.js';
import { createRng, type Rng } from '../../src/random.js';

/** The value a tap at source (ty, tx) reads: the image, the frame's value, or the fill. */
function tapValue(data: Float32Array, c: number, s: AffineSampling, ty: number, tx: number) {
  const { srcHeight: h, srcWidth: w } = s;
  if (ty >= 0 && ty < h && tx >= 0 && tx < w) return data[c * h * w + ty * w + tx] as number;
  const pad = s.frame?.pad ?? 0;
  if (s.frame && ty >= -pad && ty < h + pad && tx >= -pad && tx < w + pad) return s.frame.value;
  return s.fill;
}

/** Bilinear weights and first tap of output pixel (y, x), from the affine map as written. */
function taps(s: AffineSampling, y: number, x: number) {
  const [ay, by, cy, ax, bx, cx] = s.matrix;
  const sy = ay * y + by * x + cy;
  const sx = ax * y + bx * x + cx;
  const y0 = Math.floor(sy);
  const x0 = Math.floor(sx);
  const fy = sy - y0;
  const fx = sx - x0;
  return { y0, x0, w: [(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx] as const };
}

function referenceSample(data: Float32Array, channels: number, s: AffineSampling): Float32Array {
  const out = new Float32Array(channels * s.height * s.width);
  for (let c = 0, o = 0; c < channels; c++) {
    for (let y = 0; y < s.height; y++) {
      for (let x = 0; x < s.width; x++, o++) {
        const { y0, x0, w } = taps(s, y, x);
        out[o] =
          w[0] * tapValue(data, c, s, y0, x0) +
          w[1] * tapValue(data, c, s, y0, x0 + 1) +
          w[2] * tapValue(data, c, s, y0 + 1, x0) +
          w[3] * tapValue(data, c, s, y0 + 1, x0 + 1);
      }
    }
  }
  return out;
}

function referenceAdjoint(grad: Float32Array, channels: number, s: AffineSampling): Float32Array {
  const { srcHeight: h, srcWidth: w } = s;
  const out = new Float32Array(channels * h * w);
  const add = (c: number, ty: number, tx: number, v: number) => {
    if (ty < 0 || ty >= h || tx < 0 || tx >= w) return;
    const i = c * h * w + ty * w + tx;
    out[i] = (out[i] as number) + v;
  };
  for (let c = 0, o = 0; c < channels; c++) {
    for (let y = 0; y < s.height; y++) {
      for (let x = 0; x < s.width; x++, o++) {
        const { y0, x0, w: k } = taps(s, y, x);
        const g = grad[o] as number;
        add(c, y0, x0, k[0] * g);
        add(c, y0, x0 + 1, k[1] * g);
        add(c, y0 + 1, x0, k[2] * g);
        add(c, y0 + 1, x0 + 1, k[3] * g);
      }
    }
  }
  return out;
}

/** Uniform in [lo, hi). */
const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.next();

/** Random float32 data with a few exact zeros and negative zeros (their signs must survive). */
function randomData(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    out[i] = u < 0.03 ? 0 : u < 0.06 ? -0 : uniform(rng, -2, 2);
  }
  return out;
}

/** Random samplings: rotations, flips, axis-aligned scalings, whole-pixel shifts, frames. */
function randomSampling(rng: Rng, k: number): AffineSampling {
  const srcHeight = 1 + Math.floor(rng.next() * 13);
  const srcWidth = 1 + Math.floor(rng.next() * 13);
  const height = 1 + Math.floor(rng.next() * 17);
  const width = 1 + Math.floor(rng.next() * 17);
  const kind = k % 4;
  const scale = () => (k % 8 === 1 ? 1 : uniform(rng, -1.5, 1.5));
  const shift = () => (k % 8 === 1 ? Math.floor(uniform(rng, -5, 5)) : uniform(rng, -6, 6));
  let matrix: AffineSampling['matrix'];
  if (kind === 0) {
    const t = uniform(rng, -0.5, 0.5);
    matrix = [Math.cos(t), Math.sin(t), shift(), -Math.sin(t), Math.cos(t), shift()];
  } else {
    matrix = [scale(), 0, shift(), 0, scale(), shift()];
  }
  const fill = [0, 0.5, -1.25, 0.1][k % 4] as number;
  const framed = k % 3 === 0;
  return {
    srcHeight,
    srcWidth,
    height,
    width,
    matrix,
    fill,
    ...(framed ? { frame: { pad: 1 + Math.floor(rng.next() * 4), value: 0.3 } } : {}),
  };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

it('Node has the WebAssembly kernels', () => {
  expect(wasmKernels()).toBe('wasm');
});

describe.each([
  ['auto', 'wasm'],
  ['js', 'js'],
] as const)('%s sampling kernels equal the per-pixel bilinear formula bit for bit', (use, kind) => {
  afterAll(() => wasmKernels('auto'));

  it('run on the kernels asked for', () => {
    expect(wasmKernels(use)).toBe(kind);
  });

  it('sampleAffine and sampleAffineAdjoint on random samplings, 1–4 channels', () => {
    const rng = createRng(2024);
    const scratch = transformScratch();
    for (let k = 0; k < 400; k++) {
      const s = randomSampling(rng, k);
      const channels = 1 + (k % 4);
      const x = randomData(rng, channels * s.srcHeight * s.srcWidth);
      const g = randomData(rng, channels * s.height * s.width);
      const want = bits(referenceSample(x, channels, s));
      expect(bits(sampleAffine(x, channels, s))).toEqual(want);
      const out = new Float32Array(channels * s.height * s.width);
      expect(bits(sampleAffine(x, channels, s, out, scratch))).toEqual(want);
      const wantAdjoint = bits(referenceAdjoint(g, channels, s));
      expect(bits(sampleAffineAdjoint(g, channels, s))).toEqual(wantAdjoint);
      const back = new Float32Array(channels * s.srcHeight * s.srcWidth).fill(7);
      expect(bits(sampleAffineAdjoint(g, channels, s, back, scratch))).toEqual(wantAdjoint);
    }
  });

  it.each(['chain', 'composed'] as const)(
    "'%s' draws through a reused scratch equal the reference chain",
    (sampling) => {
      const rng = createRng(7);
      const scratch = transformScratch();
      for (let k = 0; k < 12; k++) {
        const channels = k % 2 ? 3 : 1;
        const [h, w] = k % 3 ? [24, 20] : [13, 17];
        const draw = randomTransforms(rng, h, w, { sampling }, k % 4 ? [32, 30] : undefined);
        const x = randomData(rng, channels * h * w);
        let want = x;
        for (const s of draw) want = referenceSample(want, channels, s);
        expect(bits(applyTransforms(x, channels, draw, scratch))).toEqual(bits(want));
        const last = draw.at(-1) as AffineSampling;
        const g = randomData(rng, channels * last.height * last.width);
        let wantAdjoint = g;
        for (let i = draw.length - 1; i >= 0; i--)
          wantAdjoint = referenceAdjoint(wantAdjoint, channels, draw[i] as AffineSampling);
        expect(bits(applyTransformsAdjoint(g, channels, draw, scratch))).toEqual(bits(wantAdjoint));
      }
    },
  );
});

// Discrete Fourier transforms for the Fourier image parameterization: an iterative radix-2 FFT
// for power-of-two lengths and a direct O(n²) DFT otherwise, in float64. Conventions follow
// numpy: forward unnormalized with e^{-2πi kn/N}, inverse divided by N.

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** In-place 1-D complex DFT of `re`/`im` (length n, read at `offset` with `stride`). */
function transform1d(
  re: Float64Array,
  im: Float64Array,
  n: number,
  offset: number,
  stride: number,
  inverse: boolean,
  scratchRe: Float64Array,
  scratchIm: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    scratchRe[i] = re[offset + i * stride] as number;
    scratchIm[i] = im[offset + i * stride] as number;
  }
  const sign = inverse ? 1 : -1;
  if (isPowerOfTwo(n)) {
    // bit reversal
    for (let i = 1, j = 0; i < n; i++) {
      let bit = n >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) {
        const tr = scratchRe[i] as number;
        scratchRe[i] = scratchRe[j] as number;
        scratchRe[j] = tr;
        const ti = scratchIm[i] as number;
        scratchIm[i] = scratchIm[j] as number;
        scratchIm[j] = ti;
      }
    }
    for (let len = 2; len <= n; len <<= 1) {
      const ang = (sign * 2 * Math.PI) / len;
      const wr = Math.cos(ang);
      const wi = Math.sin(ang);
      for (let i = 0; i < n; i += len) {
        let cr = 1;
        let ci = 0;
        for (let k = 0; k < len / 2; k++) {
          const a = i + k;
          const b = a + len / 2;
          const br = scratchRe[b] as number;
          const bi = scratchIm[b] as number;
          const tr = br * cr - bi * ci;
          const ti = br * ci + bi * cr;
          const ar = scratchRe[a] as number;
          const ai = scratchIm[a] as number;
          scratchRe[a] = ar + tr;
          scratchIm[a] = ai + ti;
          scratchRe[b] = ar - tr;
          scratchIm[b] = ai - ti;
          const ncr = cr * wr - ci * wi;
          ci = cr * wi + ci * wr;
          cr = ncr;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      re[offset + i * stride] = inverse ? (scratchRe[i] as number) / n : (scratchRe[i] as number);
      im[offset + i * stride] = inverse ? (scratchIm[i] as number) / n : (scratchIm[i] as number);
    }
    return;
  }
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const ang = (sign * 2 * Math.PI * ((k * t) % n)) / n;
      const c = Math.cos(ang);
      const s = Math.sin(ang);
      const xr = scratchRe[t] as number;
      const xi = scratchIm[t] as number;
      sr += xr * c - xi * s;
      si += xr * s + xi * c;
    }
    re[offset + k * stride] = inverse ? sr / n : sr;
    im[offset + k * stride] = inverse ? si / n : si;
  }
}

/** In-place 1-D complex FFT (`inverse` divides by n). */
export function fft1d(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  transform1d(re, im, n, 0, 1, inverse, new Float64Array(n), new Float64Array(n));
}

/** In-place 2-D complex FFT of an `h × w` row-major array (`inverse` divides by h·w). */
export function fft2d(
  re: Float64Array,
  im: Float64Array,
  h: number,
  w: number,
  inverse = false,
): void {
  const m = Math.max(h, w);
  const sr = new Float64Array(m);
  const si = new Float64Array(m);
  for (let y = 0; y < h; y++) transform1d(re, im, w, y * w, 1, inverse, sr, si);
  for (let x = 0; x < w; x++) transform1d(re, im, h, x, w, inverse, sr, si);
}

/** Columns of a real FFT's half spectrum: `floor(w / 2) + 1`. */
export function halfWidth(w: number): number {
  return Math.floor(w / 2) + 1;
}

/** A half spectrum (`h × (floor(w/2)+1)` complex values, row-major) of a real `h × w` signal. */
export interface HalfSpectrum {
  readonly re: Float64Array;
  readonly im: Float64Array;
}

/** Real 2-D FFT (numpy `rfft2`): the half spectrum of a real `h × w` array. */
export function rfft2d(x: ArrayLike<number>, h: number, w: number): HalfSpectrum {
  const re = new Float64Array(h * w);
  const im = new Float64Array(h * w);
  for (let i = 0; i < h * w; i++) re[i] = x[i] as number;
  fft2d(re, im, h, w);
  const hw = halfWidth(w);
  const out = { re: new Float64Array(h * hw), im: new Float64Array(h * hw) };
  for (let y = 0; y < h; y++) {
    for (let k = 0; k < hw; k++) {
      out.re[y * hw + k] = re[y * w + k] as number;
      out.im[y * hw + k] = im[y * w + k] as number;
    }
  }
  return out;
}

/**
 * Inverse real 2-D FFT: the real part of the inverse FFT of the Hermitian extension of a half
 * spectrum (columns above w/2 are the conjugates of their mirrors). For a half spectrum that came
 * from {@link rfft2d} it returns the original array, like numpy's `irfft2`.
 */
export function irfft2d(spectrum: HalfSpectrum, h: number, w: number): Float64Array {
  const hw = halfWidth(w);
  const re = new Float64Array(h * w);
  const im = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x < hw) {
        re[y * w + x] = spectrum.re[y * hw + x] as number;
        im[y * w + x] = spectrum.im[y * hw + x] as number;
      } else {
        const my = (h - y) % h;
        const mx = w - x;
        re[y * w + x] = spectrum.re[my * hw + mx] as number;
        im[y * w + x] = -(spectrum.im[my * hw + mx] as number);
      }
    }
  }
  fft2d(re, im, h, w, true);
  return re;
}

/**
 * Adjoint of {@link irfft2d} (as a real-linear map from the half spectrum's real and imaginary
 * parts to the image): the gradient of a loss with respect to the half spectrum, given the
 * gradient `g` with respect to the image. Equals `m · rfft2(g) / (h·w)` with `m = 1` on the
 * columns without a mirror (0 and, for even w, w/2) and 2 elsewhere.
 */
export function irfft2dAdjoint(g: ArrayLike<number>, h: number, w: number): HalfSpectrum {
  const s = rfft2d(g, h, w);
  const hw = halfWidth(w);
  const n = h * w;
  for (let y = 0; y < h; y++) {
    for (let k = 0; k < hw; k++) {
      const mirrored = k !== 0 && !(w % 2 === 0 && k === w / 2);
      const f = (mirrored ? 2 : 1) / n;
      s.re[y * hw + k] = (s.re[y * hw + k] as number) * f;
      s.im[y * hw + k] = (s.im[y * hw + k] as number) * f;
    }
  }
  return s;
}

/**
 * Spatial frequency magnitude √(fy² + fx²) of every half-spectrum entry, in cycles per pixel
 * (Lucid's `rfft2d_freqs`, numpy `fftfreq` conventions).
 */
export function rfft2dFrequencies(h: number, w: number): Float64Array {
  const hw = halfWidth(w);
  const out = new Float64Array(h * hw);
  for (let y = 0; y < h; y++) {
    const fy = (y <= (h - 1) / 2 ? y : y - h) / h;
    for (let k = 0; k < hw; k++) {
      const fx = k / w;
      out[y * hw + k] = Math.sqrt(fx * fx + fy * fy);
    }
  }
  return out;
}

// Discrete Fourier transforms for the Fourier image parameterization: an iterative radix-2 FFT
// for power-of-two lengths and a direct O(n²) DFT otherwise, in float64. Conventions follow
// numpy: forward unnormalized with e^{-2πi kn/N}, inverse divided by N. The radix-2 FFT also
// exists as WebAssembly (tools/wasm/fft.wat, the same operations: the same bits), used on arrays
// that live in an FFT scratch's module memory (see {@link fftScratch}).
import { FFT_WASM } from './fft-wasm.js';
import { ensureWasmMemory, instantiateWasm, type WasmMemory } from './wasm.js';

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

interface Plan {
  /** Bit-reversal permutation (power-of-two lengths). */
  readonly reverse: Int32Array | undefined;
  /** cos and sin of −2πk/n for k < n. */
  readonly cos: Float64Array;
  readonly sin: Float64Array;
}

const plans = new Map<number, Plan>();

function plan(n: number): Plan {
  let p = plans.get(n);
  if (!p) {
    const cos = new Float64Array(n);
    const sin = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      cos[k] = Math.cos((-2 * Math.PI * k) / n);
      sin[k] = Math.sin((-2 * Math.PI * k) / n);
    }
    let reverse: Int32Array | undefined;
    if (isPowerOfTwo(n)) {
      reverse = new Int32Array(n);
      for (let i = 1, j = 0; i < n; i++) {
        let bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        reverse[i] = j;
      }
    }
    p = { reverse, cos, sin };
    if (plans.size > 64) plans.clear();
    plans.set(n, p);
  }
  return p;
}

/** The exports of tools/wasm/fft.wat. */
interface FftWasm {
  readonly memory: WasmMemory;
  transform(
    re: number,
    im: number,
    n: number,
    stride: number,
    conjugate: number,
    f: number,
    sr: number,
    si: number,
    cos: number,
    sin: number,
    reverse: number,
  ): void;
}

/** A WebAssembly instance whose memory holds an FFT scratch, and where its tables are. */
interface FftModule {
  readonly wasm: FftWasm;
  /** Byte offsets of the tables of each power-of-two length. */
  readonly tables: Map<number, { cos: number; sin: number; reverse: number }>;
}

/** The FFT modules by memory: arrays in one of these buffers are transformed by its module. */
const modules = new WeakMap<ArrayBuffer, FftModule>();

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
  const module = modules.get(re.buffer as ArrayBuffer);
  const tables = module?.tables.get(n);
  if (
    module &&
    tables &&
    im.buffer === re.buffer &&
    scratchRe.buffer === re.buffer &&
    scratchIm.buffer === re.buffer
  ) {
    module.wasm.transform(
      re.byteOffset + 8 * offset,
      im.byteOffset + 8 * offset,
      n,
      stride,
      inverse ? 1 : 0,
      inverse ? 1 / n : 1,
      scratchRe.byteOffset,
      scratchIm.byteOffset,
      tables.cos,
      tables.sin,
      tables.reverse,
    );
    return;
  }
  const { reverse, cos, sin } = plan(n);
  // the inverse uses e^{+2πi k/n}: conjugate the twiddles
  const sign = inverse ? -1 : 1;
  if (reverse) {
    for (let i = 0; i < n; i++) {
      const j = reverse[i] as number;
      scratchRe[j] = re[offset + i * stride] as number;
      scratchIm[j] = im[offset + i * stride] as number;
    }
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >> 1;
      const step = n / len;
      // Twiddle k is loaded once per stage (the same butterflies as block by block).
      for (let k = 0; k < half; k++) {
        const cr = cos[k * step] as number;
        const ci = sign * (sin[k * step] as number);
        for (let i = 0; i < n; i += len) {
          const a = i + k;
          const b = a + half;
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
        }
      }
    }
    const f = inverse ? 1 / n : 1;
    for (let i = 0; i < n; i++) {
      re[offset + i * stride] = (scratchRe[i] as number) * f;
      im[offset + i * stride] = (scratchIm[i] as number) * f;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    scratchRe[i] = re[offset + i * stride] as number;
    scratchIm[i] = im[offset + i * stride] as number;
  }
  const f = inverse ? 1 / n : 1;
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const idx = (k * t) % n;
      const c = cos[idx] as number;
      const s = sign * (sin[idx] as number);
      const xr = scratchRe[t] as number;
      const xi = scratchIm[t] as number;
      sr += xr * c - xi * s;
      si += xr * s + xi * c;
    }
    re[offset + k * stride] = sr * f;
    im[offset + k * stride] = si * f;
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

/**
 * Scratch rows of the real 2-D FFTs, reused from call to call (one set per image size), and a
 * half spectrum for the caller. Where WebAssembly runs they live in the memory of an FFT module
 * of their own, which then transforms them (and `spectrum`) in place of the JavaScript loops.
 */
export interface FftScratch {
  readonly sr: Float64Array;
  readonly si: Float64Array;
  readonly zr: Float64Array;
  readonly zi: Float64Array;
  /** An `h × (floor(w/2)+1)` half spectrum the caller may use as its own. */
  readonly spectrum: HalfSpectrum;
}

/** Scratch for the real 2-D FFTs of `h × w` arrays. */
export function fftScratch(h: number, w: number): FftScratch {
  const m = Math.max(h, w);
  const n = h * halfWidth(w);
  const wasm = instantiateWasm<FftWasm>(FFT_WASM);
  const plain = (): FftScratch => ({
    sr: new Float64Array(m),
    si: new Float64Array(m),
    zr: new Float64Array(w),
    zi: new Float64Array(w),
    spectrum: { re: new Float64Array(n), im: new Float64Array(n) },
  });
  if (!wasm) return plain();
  // Tables of each power-of-two length, then the arrays; the memory never grows afterwards, so
  // the views stay valid.
  const lengths = [...new Set([h, w])].filter(isPowerOfTwo);
  let end = 0;
  const take = (bytes: number) => {
    const at = end;
    end += (bytes + 7) & ~7;
    return at;
  };
  const tables = new Map(
    lengths.map((len) => [len, { cos: take(8 * len), sin: take(8 * len), reverse: take(4 * len) }]),
  );
  const arrays = [m, m, w, w, n, n].map((len) => ({ at: take(8 * len), len }));
  const heap = ensureWasmMemory(wasm.memory, end);
  if (!heap) return plain();
  for (const [len, t] of tables) {
    const p = plan(len);
    new Float64Array(heap, t.cos, len).set(p.cos);
    new Float64Array(heap, t.sin, len).set(p.sin);
    new Int32Array(heap, t.reverse, len).set(p.reverse as Int32Array);
  }
  modules.set(heap, { wasm, tables });
  const [sr, si, zr, zi, re, im] = arrays.map(({ at, len }) => new Float64Array(heap, at, len)) as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  return { sr, si, zr, zi, spectrum: { re, im } };
}

let lastScratch: { h: number; w: number; scratch: FftScratch } | undefined;

/**
 * The scratch of the one-shot transforms below: the last size's, kept (each {@link fftScratch}
 * instantiates a WebAssembly module, and callers run them once per channel of one size).
 */
function oneShotScratch(h: number, w: number): FftScratch {
  if (lastScratch?.h !== h || lastScratch.w !== w)
    lastScratch = { h, w, scratch: fftScratch(h, w) };
  return lastScratch.scratch;
}

/** Real 2-D FFT (numpy `rfft2`): the half spectrum of a real `h × w` array. */
export function rfft2d(x: ArrayLike<number>, h: number, w: number): HalfSpectrum {
  const hw = halfWidth(w);
  const out = { re: new Float64Array(h * hw), im: new Float64Array(h * hw) };
  rfft2dInto(x, h, w, out, oneShotScratch(h, w));
  return out;
}

/** {@link rfft2d} into `out` (`h × (floor(w/2)+1)`, overwritten), with reused scratch. */
export function rfft2dInto(
  x: ArrayLike<number>,
  h: number,
  w: number,
  out: HalfSpectrum,
  scratch: FftScratch,
): void {
  const hw = halfWidth(w);
  const { re, im } = out;
  const { sr, si, zr, zi } = scratch;
  // Rows, two per complex FFT: z = a + i·b for real rows a, b gives
  // A[k] = (Z[k] + conj Z[−k]) / 2 and B[k] = (Z[k] − conj Z[−k]) / 2i.
  for (let y = 0; y < h; y += 2) {
    const pair = y + 1 < h;
    for (let i = 0; i < w; i++) {
      zr[i] = x[y * w + i] as number;
      zi[i] = pair ? (x[(y + 1) * w + i] as number) : 0;
    }
    transform1d(zr, zi, w, 0, 1, false, sr, si);
    for (let k = 0; k < hw; k++) {
      const j = (w - k) % w;
      const a = y * hw + k;
      re[a] = ((zr[k] as number) + (zr[j] as number)) / 2;
      im[a] = ((zi[k] as number) - (zi[j] as number)) / 2;
      if (pair) {
        re[a + hw] = ((zi[k] as number) + (zi[j] as number)) / 2;
        im[a + hw] = ((zr[j] as number) - (zr[k] as number)) / 2;
      }
    }
  }
  // Columns: only the half spectrum's.
  for (let k = 0; k < hw; k++) transform1d(re, im, h, k, hw, false, sr, si);
}

/**
 * Inverse real 2-D FFT: the real part of the inverse FFT of the Hermitian extension of a half
 * spectrum (columns above w/2 are the conjugates of their mirrors). For a half spectrum that came
 * from {@link rfft2d} it returns the original array, like numpy's `irfft2`. Computed as the
 * inverse of the Hermitian part: the columns that are their own mirrors (0 and, for even w, w/2)
 * are symmetrized, then column inverses over the half spectrum and row inverses two at a time.
 */
export function irfft2d(spectrum: HalfSpectrum, h: number, w: number): Float64Array {
  const out = new Float64Array(h * w);
  const copy = { re: Float64Array.from(spectrum.re), im: Float64Array.from(spectrum.im) };
  irfft2dInPlace(copy, h, w, out, oneShotScratch(h, w));
  return out;
}

/** {@link irfft2d} of `spectrum`, which it overwrites, into `out` (`h × w`), with reused scratch. */
export function irfft2dInPlace(
  spectrum: HalfSpectrum,
  h: number,
  w: number,
  out: Float64Array,
  scratch: FftScratch,
): void {
  const hw = halfWidth(w);
  const { re, im } = spectrum;
  const { sr, si, zr, zi } = scratch;
  for (const k of w % 2 === 0 && w > 1 ? [0, w / 2] : [0]) {
    for (let y = 0; y <= h / 2; y++) {
      const a = y * hw + k;
      const b = ((h - y) % h) * hw + k;
      const r = ((re[a] as number) + (re[b] as number)) / 2;
      const i = ((im[a] as number) - (im[b] as number)) / 2;
      re[a] = r;
      im[a] = i;
      re[b] = r;
      im[b] = -i;
    }
  }
  for (let k = 0; k < hw; k++) transform1d(re, im, h, k, hw, true, sr, si);
  // Rows, two per complex inverse: each row's spectrum is Hermitian, so z = a + i·b has real
  // rows a (real part) and b (imaginary part).
  for (let y = 0; y < h; y += 2) {
    const pair = y + 1 < h;
    for (let x = 0; x < w; x++) {
      const mirrored = x >= hw;
      const k = mirrored ? w - x : x;
      const s = mirrored ? -1 : 1;
      const ar = re[y * hw + k] as number;
      const ai = s * (im[y * hw + k] as number);
      const br = pair ? (re[(y + 1) * hw + k] as number) : 0;
      const bi = pair ? s * (im[(y + 1) * hw + k] as number) : 0;
      zr[x] = ar - bi;
      zi[x] = ai + br;
    }
    transform1d(zr, zi, w, 0, 1, true, sr, si);
    for (let x = 0; x < w; x++) {
      out[y * w + x] = zr[x] as number;
      if (pair) out[(y + 1) * w + x] = zi[x] as number;
    }
  }
}

/**
 * Adjoint of {@link irfft2d} (as a real-linear map from the half spectrum's real and imaginary
 * parts to the image): the gradient of a loss with respect to the half spectrum, given the
 * gradient `g` with respect to the image. Equals `m · rfft2(g) / (h·w)` with `m = 1` on the
 * columns without a mirror (0 and, for even w, w/2) and 2 elsewhere.
 */
export function irfft2dAdjoint(g: ArrayLike<number>, h: number, w: number): HalfSpectrum {
  const hw = halfWidth(w);
  const out = { re: new Float64Array(h * hw), im: new Float64Array(h * hw) };
  irfft2dAdjointInto(g, h, w, out, oneShotScratch(h, w));
  return out;
}

/** {@link irfft2dAdjoint} into `out` (overwritten), with reused scratch. */
export function irfft2dAdjointInto(
  g: ArrayLike<number>,
  h: number,
  w: number,
  out: HalfSpectrum,
  scratch: FftScratch,
): void {
  rfft2dInto(g, h, w, out, scratch);
  const hw = halfWidth(w);
  const n = h * w;
  for (let y = 0; y < h; y++) {
    for (let k = 0; k < hw; k++) {
      const mirrored = k !== 0 && !(w % 2 === 0 && k === w / 2);
      const f = (mirrored ? 2 : 1) / n;
      out.re[y * hw + k] = (out.re[y * hw + k] as number) * f;
      out.im[y * hw + k] = (out.im[y * hw + k] as number) * f;
    }
  }
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

// Image parameterizations of Lucid (lucid/optvis/param/spatial.py and color.py): the optimized
// variables are either pixels or the 2-D Fourier coefficients of each channel scaled by 1/frequency
// (which whitens natural-image statistics), optionally in a decorrelated colour space, mapped to
// valid RGB in [0, 1] by a sigmoid. Every map is written with its adjoint so that the engine's
// image gradient is carried back to the parameters by the chain rule.
import type { Rng } from '../random.js';
import { decorrelatedToRgb, decorrelatedToRgbAdjoint, rgbToDecorrelated } from './color.js';
import {
  fftScratch,
  halfWidth,
  irfft2dAdjointInto,
  irfft2dInPlace,
  rfft2d,
  rfft2dFrequencies,
} from './fft.js';

/** How the image is parameterized. */
export type ParameterizationKind =
  /** Fourier coefficients scaled by 1/frequency (Lucid `fft_image`). */
  | 'fft'
  /** Raw pixels (Lucid `naive`). */
  | 'pixel';

/** Options of {@link createImageParameterization}. */
export interface ParameterizationOptions {
  /** @defaultValue `'fft'` */
  readonly kind?: ParameterizationKind;
  /** Optimize in the decorrelated colour space (3 channels only). @defaultValue `true` */
  readonly decorrelate?: boolean;
  /** Standard deviation of the random initial parameters. @defaultValue `0.01` (Lucid) */
  readonly sd?: number;
  /** Exponent of the 1/frequency spectrum scaling. @defaultValue `1` (Lucid `decay_power`) */
  readonly decayPower?: number;
}

/** A parameterized `[channels, h, w]` image. */
export interface ImageParameterization {
  readonly kind: ParameterizationKind;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** The optimized variables. */
  readonly params: Float32Array;
  /** RGB (or C-channel) image in [0, 1], planar `[C, H, W]`, from the current params. */
  render(): Float32Array;
  /**
   * Gradient with respect to the params of a loss whose gradient with respect to the last
   * {@link render}ed image is `gradImage` (a buffer that the next call overwrites).
   */
  backward(gradImage: ArrayLike<number>): Float32Array;
}

/** Lucid's `fft_image` spectrum scale: `√(h·w) / max(f, 1/max(h, w))^decay`. */
export function spectrumScale(h: number, w: number, decayPower = 1): Float64Array {
  const f = rfft2dFrequencies(h, w);
  const out = new Float64Array(f.length);
  const floor = 1 / Math.max(h, w);
  for (let i = 0; i < f.length; i++)
    out[i] = Math.sqrt(h * w) / Math.max(f[i] as number, floor) ** decayPower;
  return out;
}

/**
 * Linear part: params → pre-colour pixels `[C, H, W]`; its adjoint and its inverse. `forward` and
 * `adjoint` return buffers of their own that the next call of the same method overwrites.
 */
interface LinearImage {
  readonly size: number;
  forward(params: Float32Array): Float32Array;
  adjoint(grad: ArrayLike<number>): Float32Array;
  /** The params whose `forward` is `pixels`. */
  inverse(pixels: ArrayLike<number>): Float32Array;
}

function fourierImage(c: number, h: number, w: number, decayPower: number): LinearImage {
  const hw = halfWidth(w);
  const n = h * hw;
  const scale = spectrumScale(h, w, decayPower);
  // Scratch reused every step: the FFT rows and one channel's spectrum, its plane, the outputs.
  const scratch = fftScratch(h, w);
  const { spectrum } = scratch;
  const plane = new Float64Array(h * w);
  const pixels = new Float32Array(c * h * w);
  const params = new Float32Array(c * 2 * n);
  // Layout: [c][re | im][h][hw]; the image is irfft2d(scale · spectrum) / 4 (Lucid's "/ 4.0").
  return {
    size: c * 2 * n,
    forward(p) {
      const { re, im } = spectrum;
      for (let ch = 0; ch < c; ch++) {
        const o = ch * 2 * n;
        for (let i = 0; i < n; i++) {
          re[i] = (p[o + i] as number) * (scale[i] as number);
          im[i] = (p[o + n + i] as number) * (scale[i] as number);
        }
        irfft2dInPlace(spectrum, h, w, plane, scratch);
        for (let i = 0; i < h * w; i++) pixels[ch * h * w + i] = (plane[i] as number) / 4;
      }
      return pixels;
    },
    adjoint(grad) {
      const { re, im } = spectrum;
      for (let ch = 0; ch < c; ch++) {
        for (let i = 0; i < h * w; i++) plane[i] = (grad[ch * h * w + i] as number) / 4;
        irfft2dAdjointInto(plane, h, w, spectrum, scratch);
        const o = ch * 2 * n;
        for (let i = 0; i < n; i++) {
          params[o + i] = (re[i] as number) * (scale[i] as number);
          params[o + n + i] = (im[i] as number) * (scale[i] as number);
        }
      }
      return params;
    },
    inverse(pixels) {
      const out = new Float32Array(c * 2 * n);
      for (let ch = 0; ch < c; ch++) {
        const plane = new Float64Array(h * w);
        for (let i = 0; i < h * w; i++) plane[i] = 4 * (pixels[ch * h * w + i] as number);
        const spectrum = rfft2d(plane, h, w);
        const o = ch * 2 * n;
        for (let i = 0; i < n; i++) {
          out[o + i] = (spectrum.re[i] as number) / (scale[i] as number);
          out[o + n + i] = (spectrum.im[i] as number) / (scale[i] as number);
        }
      }
      return out;
    },
  };
}

function pixelImage(c: number, h: number, w: number): LinearImage {
  return {
    size: c * h * w,
    forward: (params) => params,
    adjoint: (grad) => Float32Array.from(grad),
    inverse: (pixels) => Float32Array.from(pixels),
  };
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * Creates a parameterized image with random initial parameters (normal, standard deviation `sd`),
 * or, given `start` (planar `[C, H, W]` in [0, 1]), the parameters that render it (values are
 * kept 1e-3 inside (0, 1), where the sigmoid can be inverted).
 */
export function createImageParameterization(
  channels: number,
  height: number,
  width: number,
  rng: Rng,
  options: ParameterizationOptions = {},
  start?: ArrayLike<number>,
): ImageParameterization {
  const kind = options.kind ?? 'fft';
  const decorrelate = (options.decorrelate ?? true) && channels === 3;
  const linear =
    kind === 'fft'
      ? fourierImage(channels, height, width, options.decayPower ?? 1)
      : pixelImage(channels, height, width);
  const sd = options.sd ?? 0.01;
  const pixels = height * width;
  let params: Float32Array = new Float32Array(linear.size);
  if (start) {
    let t: Float32Array = Float32Array.from(start, (v) => {
      const p = Math.min(Math.max(v, 1e-3), 1 - 1e-3);
      return Math.log(p / (1 - p));
    });
    if (decorrelate) t = rgbToDecorrelated(t, pixels);
    params = linear.inverse(t);
  } else {
    for (let i = 0; i < params.length; i++) params[i] = sd * rng.normal();
  }
  let lastRgb: Float32Array | undefined;
  // A new array every render (callers keep the images of earlier steps).
  const render = (): Float32Array => {
    const linearPixels = linear.forward(params);
    const t = decorrelate
      ? decorrelatedToRgb(linearPixels, pixels)
      : new Float32Array(linearPixels);
    for (let i = 0; i < t.length; i++) t[i] = sigmoid(t[i] as number);
    lastRgb = t;
    return t;
  };
  // The gradient through the sigmoid and the colour mix, reused every step.
  const gradSigmoid = new Float32Array(channels * pixels);
  const gradLinear = decorrelate ? new Float32Array(channels * pixels) : gradSigmoid;
  return {
    kind,
    channels,
    height,
    width,
    params,
    render,
    backward(gradImage) {
      const rgb = lastRgb ?? render();
      const g = gradSigmoid;
      for (let i = 0; i < g.length; i++) {
        const s = rgb[i] as number;
        g[i] = (gradImage[i] as number) * s * (1 - s);
      }
      if (decorrelate) decorrelatedToRgbAdjoint(g, pixels, gradLinear);
      return linear.adjoint(gradLinear);
    },
  };
}

// Random transformations for transformation robustness (Olah et al. 2017; Lucid's
// `transform.standard_transforms`): pad, jitter (random crop), random scale, random rotation and
// a second jitter. The whole chain is one affine map from output pixels to source pixels, sampled
// bilinearly once (with the pad value outside the image), so it is linear in the image and its
// adjoint (for the chain rule) is a scatter of the same bilinear weights.
import { FvError } from '../errors.js';
import type { Rng } from '../random.js';

/** Settings of the random transforms. Defaults are Lucid's `standard_transforms`. */
export interface TransformSettings {
  /** Constant padding on every side, in pixels. @defaultValue `12` */
  readonly pad?: number;
  /** Value of the padding (RGB in [0, 1]). @defaultValue `0.5` */
  readonly padValue?: number;
  /** First jitter: random crop that removes up to this many pixels. @defaultValue `8` */
  readonly jitter?: number;
  /** Scales drawn uniformly. @defaultValue `[0.9, 0.92, …, 1.1]` (`1 + (i − 5) / 50`, i = 0..10) */
  readonly scales?: readonly number[];
  /** Angles in degrees drawn uniformly. @defaultValue `-10..10` plus five more zeros */
  readonly angles?: readonly number[];
  /** Second jitter after rotation. @defaultValue `4` */
  readonly jitter2?: number;
}

/** Lucid's standard scales, `1 + (i − 5) / 50` for i = 0..10. */
export const STANDARD_SCALES: readonly number[] = Array.from(
  { length: 11 },
  (_, i) => 1 + (i - 5) / 50,
);
/** Lucid's standard angles, `list(range(-10, 11)) + 5 * [0]`. */
export const STANDARD_ANGLES: readonly number[] = [
  ...Array.from({ length: 21 }, (_, i) => i - 10),
  0,
  0,
  0,
  0,
  0,
];

/** One draw of the random transforms: an affine map from output to source pixel coordinates. */
export interface AffineSampling {
  /** Source image size. */
  readonly srcHeight: number;
  readonly srcWidth: number;
  /** Output size. */
  readonly height: number;
  readonly width: number;
  /** `[ay, by, cy, ax, bx, cx]`: source y = ay·y + by·x + cy, source x = ax·y + bx·x + cx. */
  readonly matrix: readonly [number, number, number, number, number, number];
  /** Value of samples that fall outside the source. */
  readonly padValue: number;
}

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[Math.min(list.length - 1, Math.floor(rng.next() * list.length))] as T;
}

/**
 * Draws one random transform of an `h × w` image. The output has the natural size of the chain
 * (pad, crop, scale, crop), or `outputSize` when given (a final bilinear resize folded into the
 * map, for models with a fixed input size).
 */
export function randomTransform(
  rng: Rng,
  h: number,
  w: number,
  settings: TransformSettings = {},
  outputSize?: readonly [number, number],
): AffineSampling {
  const pad = settings.pad ?? 12;
  const d1 = settings.jitter ?? 8;
  const d2 = settings.jitter2 ?? 4;
  const scales = settings.scales ?? STANDARD_SCALES;
  const angles = settings.angles ?? STANDARD_ANGLES;
  if (scales.length === 0 || angles.length === 0) {
    throw new FvError(
      'INVALID_ARGUMENT',
      'transforms.scales and transforms.angles must not be empty',
    );
  }
  // padded, then first crop
  const ph = h + 2 * pad - d1;
  const pw = w + 2 * pad - d1;
  const a1y = Math.floor(rng.next() * (d1 + 1));
  const a1x = Math.floor(rng.next() * (d1 + 1));
  const scale = pick(rng, scales);
  const sh = Math.max(1, Math.round(ph * scale));
  const sw = Math.max(1, Math.round(pw * scale));
  const theta = (pick(rng, angles) * Math.PI) / 180;
  const fh = sh - d2;
  const fw = sw - d2;
  if (fh < 1 || fw < 1)
    throw new FvError('INVALID_ARGUMENT', `Transforms leave no pixels of a ${h}×${w} image`);
  const a2y = Math.floor(rng.next() * (d2 + 1));
  const a2x = Math.floor(rng.next() * (d2 + 1));
  const [oh, ow] = outputSize ?? [fh, fw];
  // Compose from output pixel (y, x) back to the source image:
  // y_F = (y + 0.5)·fh/oh − 0.5                     (final resize, identity without outputSize)
  // y_R = y_F + a2y                                   (second crop)
  // (y_S, x_S) = c + R(−θ)·((y_R, x_R) − c)           (rotation about the centre c of the scaled image)
  // y_C = (y_S + 0.5)·ph/sh − 0.5                     (scale, half-pixel centres)
  // y_I = y_C + a1y − pad                             (first crop, then padding)
  const ry = fh / oh;
  const rx = fw / ow;
  const cy = (sh - 1) / 2;
  const cx = (sw - 1) / 2;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const ky = ph / sh;
  const kx = pw / sw;
  // y_R = ry·y + (0.5ry − 0.5 + a2y); x_R = rx·x + (0.5rx − 0.5 + a2x)
  const ty = 0.5 * ry - 0.5 + a2y - cy;
  const tx = 0.5 * rx - 0.5 + a2x - cx;
  // rotation by −θ: y_S − cy = cos·dy + sin·dx ; x_S − cx = −sin·dy + cos·dx (image axes y down)
  const sYy = cos * ry;
  const sYx = sin * rx;
  const sYc = cos * ty + sin * tx + cy;
  const sXy = -sin * ry;
  const sXx = cos * rx;
  const sXc = -sin * ty + cos * tx + cx;
  const offY = 0.5 * ky - 0.5 + a1y - pad;
  const offX = 0.5 * kx - 0.5 + a1x - pad;
  return {
    srcHeight: h,
    srcWidth: w,
    height: oh,
    width: ow,
    matrix: [ky * sYy, ky * sYx, ky * sYc + offY, kx * sXy, kx * sXx, kx * sXc + offX],
    padValue: settings.padValue ?? 0.5,
  };
}

/**
 * The sampling without random transforms: the identity, or a bilinear resize to `outputSize`
 * with corners aligned (so that no sample falls outside the image).
 */
export function identitySampling(
  h: number,
  w: number,
  outputSize?: readonly [number, number],
): AffineSampling {
  const [oh, ow] = outputSize ?? [h, w];
  const ry = oh > 1 ? (h - 1) / (oh - 1) : 0;
  const rx = ow > 1 ? (w - 1) / (ow - 1) : 0;
  return {
    srcHeight: h,
    srcWidth: w,
    height: oh,
    width: ow,
    matrix: [ry, 0, 0, 0, rx, 0],
    padValue: 0.5,
  };
}

/** Applies a sampling to planar `[channels, srcH, srcW]` data; returns `[channels, height, width]`. */
export function sampleAffine(
  data: ArrayLike<number>,
  channels: number,
  s: AffineSampling,
): Float32Array {
  return affinePass(data, channels, s, false);
}

/** Adjoint of {@link sampleAffine} in the image (the pad value is a constant): scatters `grad`. */
export function sampleAffineAdjoint(
  grad: ArrayLike<number>,
  channels: number,
  s: AffineSampling,
): Float32Array {
  return affinePass(grad, channels, s, true);
}

/**
 * The sampling (gathers `src`, `[channels, srcH, srcW]`, into `[channels, height, width]`) or its
 * adjoint (scatters `src`, output-shaped, back onto the source): one walk over the output pixels
 * and their bilinear taps for both, so the two stay each other's transpose.
 */
function affinePass(
  src: ArrayLike<number>,
  channels: number,
  s: AffineSampling,
  adjoint: boolean,
): Float32Array {
  const { srcHeight: h, srcWidth: w, height, width, padValue } = s;
  const [ay, by, cy, ax, bx, cx] = s.matrix;
  const plane = h * w;
  const outPlane = height * width;
  const out = new Float32Array(channels * (adjoint ? plane : outPlane));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sy = ay * y + by * x + cy;
      const sx = ax * y + bx * x + cx;
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const fy = sy - y0;
      const fx = sx - x0;
      const iy0 = y0 >= 0 && y0 < h;
      const iy1 = y0 + 1 >= 0 && y0 + 1 < h;
      const ix0 = x0 >= 0 && x0 < w;
      const ix1 = x0 + 1 >= 0 && x0 + 1 < w;
      const k00 = y0 * w + x0;
      const o = y * width + x;
      if (!adjoint) {
        const w00 = (1 - fy) * (1 - fx);
        const w01 = (1 - fy) * fx;
        const w10 = fy * (1 - fx);
        const w11 = fy * fx;
        for (let c = 0; c < channels; c++) {
          const b = c * plane + k00;
          const v00 = iy0 && ix0 ? (src[b] as number) : padValue;
          const v01 = iy0 && ix1 ? (src[b + 1] as number) : padValue;
          const v10 = iy1 && ix0 ? (src[b + w] as number) : padValue;
          const v11 = iy1 && ix1 ? (src[b + w + 1] as number) : padValue;
          out[c * outPlane + o] = w00 * v00 + w01 * v01 + w10 * v10 + w11 * v11;
        }
        continue;
      }
      if (!((iy0 || iy1) && (ix0 || ix1))) continue;
      const w00 = iy0 && ix0 ? (1 - fy) * (1 - fx) : 0;
      const w01 = iy0 && ix1 ? (1 - fy) * fx : 0;
      const w10 = iy1 && ix0 ? fy * (1 - fx) : 0;
      const w11 = iy1 && ix1 ? fy * fx : 0;
      for (let c = 0; c < channels; c++) {
        const g = src[c * outPlane + o] as number;
        const b = c * plane + k00;
        if (w00) out[b] = (out[b] as number) + w00 * g;
        if (w01) out[b + 1] = (out[b + 1] as number) + w01 * g;
        if (w10) out[b + w] = (out[b + w] as number) + w10 * g;
        if (w11) out[b + w + 1] = (out[b + w + 1] as number) + w11 * g;
      }
    }
  }
  return out;
}

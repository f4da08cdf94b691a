// Colour decorrelation of Lucid (Olah et al., Distill 2017, "Feature Visualization", section
// "Preconditioning and Parameterization"): the image is optimized in a space whose three channels
// are decorrelated, and mapped to RGB by the square root of ImageNet's colour covariance
// (`color_correlation_svd_sqrt` in lucid/optvis/param/color.py), normalized by its largest
// column norm.

/** Lucid's `color_correlation_svd_sqrt`. */
export const COLOR_CORRELATION_SVD_SQRT: readonly (readonly [number, number, number])[] = [
  [0.26, 0.09, 0.02],
  [0.27, 0.0, -0.05],
  [0.27, -0.09, 0.03],
];

function normalizedMatrix(): number[][] {
  const m = COLOR_CORRELATION_SVD_SQRT;
  let maxNorm = 0;
  for (let j = 0; j < 3; j++) {
    let s = 0;
    for (let i = 0; i < 3; i++) s += ((m[i] as readonly number[])[j] as number) ** 2;
    maxNorm = Math.max(maxNorm, Math.sqrt(s));
  }
  return m.map((row) => row.map((v) => v / maxNorm));
}

/** The 3 × 3 matrix that maps decorrelated colours to RGB (before the sigmoid). */
export const COLOR_DECORRELATION: readonly (readonly number[])[] = normalizedMatrix();

function invert3(m: readonly (readonly number[])[]): number[][] {
  const a = (i: number, j: number) => (m[i] as readonly number[])[j] as number;
  const det =
    a(0, 0) * (a(1, 1) * a(2, 2) - a(1, 2) * a(2, 1)) -
    a(0, 1) * (a(1, 0) * a(2, 2) - a(1, 2) * a(2, 0)) +
    a(0, 2) * (a(1, 0) * a(2, 1) - a(1, 1) * a(2, 0));
  const cof = (i: number, j: number) => {
    const r = [0, 1, 2].filter((k) => k !== i);
    const c = [0, 1, 2].filter((k) => k !== j);
    const [r0, r1] = r as [number, number];
    const [c0, c1] = c as [number, number];
    return (((i + j) % 2 === 0 ? 1 : -1) * (a(r0, c0) * a(r1, c1) - a(r0, c1) * a(r1, c0))) / det;
  };
  // inverse = adjugate / det = transpose of cofactors
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => cof(j, i)));
}

/** Applies a 3 × 3 matrix (or its transpose) to every pixel of planar `[3, n]` data (per batch item). */
function mix(
  data: ArrayLike<number>,
  m: readonly (readonly number[])[],
  pixels: number,
  transpose: boolean,
  out: Float32Array = new Float32Array(data.length),
): Float32Array {
  const e = (r: number, c: number) =>
    (transpose ? (m[c] as readonly number[])[r] : (m[r] as readonly number[])[c]) as number;
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = [
    e(0, 0),
    e(0, 1),
    e(0, 2),
    e(1, 0),
    e(1, 1),
    e(1, 2),
    e(2, 0),
    e(2, 1),
    e(2, 2),
  ];
  const items = data.length / (3 * pixels);
  for (let b = 0; b < items; b++) {
    const o = b * 3 * pixels;
    for (let p = o; p < o + pixels; p++) {
      const v0 = data[p] as number;
      const v1 = data[p + pixels] as number;
      const v2 = data[p + 2 * pixels] as number;
      out[p] = m00 * v0 + m01 * v1 + m02 * v2;
      out[p + pixels] = m10 * v0 + m11 * v1 + m12 * v2;
      out[p + 2 * pixels] = m20 * v0 + m21 * v1 + m22 * v2;
    }
  }
  return out;
}

/** Decorrelated colours → RGB (linear, before the sigmoid), for `[N, 3, H, W]` planar data. */
export function decorrelatedToRgb(data: ArrayLike<number>, pixels: number): Float32Array {
  return mix(data, COLOR_DECORRELATION, pixels, false);
}

/**
 * Adjoint of {@link decorrelatedToRgb}: maps an RGB gradient to the decorrelated space (into `out`
 * when given).
 */
export function decorrelatedToRgbAdjoint(
  grad: ArrayLike<number>,
  pixels: number,
  out?: Float32Array,
): Float32Array {
  return mix(grad, COLOR_DECORRELATION, pixels, true, out);
}

const INVERSE = invert3(COLOR_DECORRELATION);

/** Inverse of {@link decorrelatedToRgb}: RGB (linear) → decorrelated colours. */
export function rgbToDecorrelated(data: ArrayLike<number>, pixels: number): Float32Array {
  return mix(data, INVERSE, pixels, false);
}

// Image penalties of Lucid's `objectives` (L1, L2, total variation), with their gradients, on
// planar `[C, H, W]` data. Each returns the penalty value and adds `weight · ∂penalty/∂x` to `grad`.

/** Lucid `L1(constant)`: Σ |x − constant|. */
export function l1Penalty(
  x: ArrayLike<number>,
  constant: number,
  grad: Float32Array,
  weight: number,
): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] as number) - constant;
    s += Math.abs(d);
    grad[i] = (grad[i] as number) + weight * Math.sign(d);
  }
  return s;
}

/** Lucid `L2(constant, epsilon=1e-6)`: √(ε + Σ (x − constant)²). */
export function l2Penalty(
  x: ArrayLike<number>,
  constant: number,
  grad: Float32Array,
  weight: number,
): number {
  let s = 1e-6;
  for (let i = 0; i < x.length; i++) s += ((x[i] as number) - constant) ** 2;
  const r = Math.sqrt(s);
  for (let i = 0; i < x.length; i++)
    grad[i] = (grad[i] as number) + (weight * ((x[i] as number) - constant)) / r;
  return r;
}

/**
 * Anisotropic total variation (`tf.image.total_variation`, Lucid `total_variation`):
 * Σ |x[y+1][x] − x[y][x]| + Σ |x[y][x+1] − x[y][x]| over every plane.
 */
export function totalVariation(
  x: ArrayLike<number>,
  planes: number,
  h: number,
  w: number,
  grad: Float32Array,
  weight: number,
): number {
  let s = 0;
  for (let p = 0; p < planes; p++) {
    const b = p * h * w;
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const i = b + y * w + xx;
        if (y + 1 < h) {
          const d = (x[i + w] as number) - (x[i] as number);
          s += Math.abs(d);
          const sg = weight * Math.sign(d);
          grad[i + w] = (grad[i + w] as number) + sg;
          grad[i] = (grad[i] as number) - sg;
        }
        if (xx + 1 < w) {
          const d = (x[i + 1] as number) - (x[i] as number);
          s += Math.abs(d);
          const sg = weight * Math.sign(d);
          grad[i + 1] = (grad[i + 1] as number) + sg;
          grad[i] = (grad[i] as number) - sg;
        }
      }
    }
  }
  return s;
}

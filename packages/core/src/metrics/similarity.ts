// Similarity of two saliency maps, for the randomization sanity checks (Adebayo et al. 2018):
// Spearman rank correlation and the structural similarity index (SSIM), written to match
// `scipy.stats.spearmanr` and `skimage.metrics.structural_similarity`.
import { FvError } from '../errors.js';
import type { Map2D } from '../image/map.js';

function sameSize(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length || a.length === 0) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `${what} needs two non-empty arrays of one length, got ${a.length} and ${b.length}`,
    );
  }
}

/**
 * Ranks 1..n of `values`, ties getting the mean of the ranks they span
 * (`scipy.stats.rankdata(method='average')`).
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => values[i]! - values[j]! || i - j,
  );
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]!] === values[order[start]!]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    start = end;
  }
  return ranks;
}

/** Pearson correlation in float64; NaN when either array is constant (as SciPy returns). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameSize(a, b, 'pearson');
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return Number.NaN;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/**
 * Spearman's rank correlation: the Pearson correlation of the average ranks
 * (`scipy.stats.spearmanr`). NaN when either input is constant.
 * @throws FvError `SHAPE_MISMATCH` for arrays of different or zero length.
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameSize(a, b, 'spearman');
  for (let i = 0; i < a.length; i++) {
    if (!(Number.isFinite(a[i]!) && Number.isFinite(b[i]!))) {
      throw new FvError('INVALID_ARGUMENT', `spearman: non-finite value at index ${i}`);
    }
  }
  return pearson(averageRanks(a), averageRanks(b));
}

/** Options of {@link ssim}. */
export interface SsimOptions {
  /** Side of the square window (odd, at most the map's smaller side). @defaultValue 7 */
  readonly windowSize?: number;
  /** Range of the values (max − min possible). @defaultValue 1 */
  readonly dataRange?: number;
}

/** Mean of `src` over a `size`-wide window around each pixel, edges mirrored (`reflect`). */
function boxFilter(src: Float64Array, width: number, height: number, size: number): Float64Array {
  const r = (size - 1) / 2;
  // SciPy's 'reflect' (half-sample symmetric): index −1 is 0, −2 is 1; n is n − 1.
  const mirror = (i: number, n: number): number => {
    const period = 2 * n;
    let k = ((i % period) + period) % period;
    if (k >= n) k = period - 1 - k;
    return k;
  };
  const tmp = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let d = -r; d <= r; d++) s += src[y * width + mirror(x + d, width)]!;
      tmp[y * width + x] = s / size;
    }
  }
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let d = -r; d <= r; d++) s += tmp[mirror(y + d, height) * width + x]!;
      out[y * width + x] = s / size;
    }
  }
  return out;
}

/**
 * Mean structural similarity (Wang et al. 2004) of two maps of one size, as scikit-image's
 * `structural_similarity` computes it by default: uniform `windowSize`² windows (edges mirrored),
 * sample covariances, K1 = 0.01, K2 = 0.03, averaged over the pixels at least ⌊windowSize / 2⌋
 * from the edges. 1 for identical maps.
 * @throws FvError `SHAPE_MISMATCH` for maps of different sizes, `INVALID_ARGUMENT` for a window
 *   that is even or larger than the maps.
 */
export function ssim(a: Map2D, b: Map2D, options: SsimOptions = {}): number {
  if (a.width !== b.width || a.height !== b.height) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `ssim needs maps of one size, got ${a.width}×${a.height} and ${b.width}×${b.height}`,
    );
  }
  const { width, height } = a;
  const size = options.windowSize ?? 7;
  if (!(Number.isInteger(size) && size % 2 === 1 && size >= 3 && size <= Math.min(width, height))) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `ssim windowSize must be an odd integer from 3 to the maps' smaller side (${Math.min(width, height)}), got ${size}`,
    );
  }
  const range = options.dataRange ?? 1;
  if (!(range > 0 && Number.isFinite(range))) {
    throw new FvError('INVALID_ARGUMENT', `ssim dataRange must be positive, got ${range}`);
  }
  const n = width * height;
  const x = Float64Array.from(a.data);
  const y = Float64Array.from(b.data);
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xx[i] = x[i]! * x[i]!;
    yy[i] = y[i]! * y[i]!;
    xy[i] = x[i]! * y[i]!;
  }
  const ux = boxFilter(x, width, height, size);
  const uy = boxFilter(y, width, height, size);
  const uxx = boxFilter(xx, width, height, size);
  const uyy = boxFilter(yy, width, height, size);
  const uxy = boxFilter(xy, width, height, size);
  const np = size * size;
  const covNorm = np / (np - 1);
  const c1 = (0.01 * range) ** 2;
  const c2 = (0.03 * range) ** 2;
  const pad = (size - 1) / 2;
  let sum = 0;
  let count = 0;
  for (let r = pad; r < height - pad; r++) {
    for (let c = pad; c < width - pad; c++) {
      const i = r * width + c;
      const vx = covNorm * (uxx[i]! - ux[i]! * ux[i]!);
      const vy = covNorm * (uyy[i]! - uy[i]! * uy[i]!);
      const vxy = covNorm * (uxy[i]! - ux[i]! * uy[i]!);
      const s =
        ((2 * ux[i]! * uy[i]! + c1) * (2 * vxy + c2)) /
        ((ux[i]! * ux[i]! + uy[i]! * uy[i]! + c1) * (vx + vy + c2));
      sum += s;
      count++;
    }
  }
  return sum / count;
}

// Resize and Upsample as linear maps: along each resized axis, Y = R·X with R (out × in) an
// interpolation matrix computed here from static shapes, mirroring onnxruntime's CPU kernels
// (float32 coordinate arithmetic, clamping, nearest rounding modes). The gradient is then
// dX = Rᵀ·dY along each axis, written as MatMuls (and Transposes for axes other than the last two).
import type { RuleContext, ShapeContext } from '../rule.js';
import type { Dim } from '../shapes/dims.js';

const f = Math.fround;

export interface ResizeSpec {
  mode: 'nearest' | 'linear' | 'cubic';
  coordinate: string;
  /** '' is onnxruntime's pre-opset-11 behaviour: truncate when upsampling, ceil when downsampling. */
  nearest: string;
  cubicA: number;
  excludeOutside: boolean;
  extrapolate: boolean;
}

/** Input coordinate of output index `o` along one axis (float32, as onnxruntime computes it). */
function originalCoordinate(
  spec: ResizeSpec,
  o: number,
  scale: number,
  outLen: number,
  inLen: number,
  roiStart: number,
  roiEnd: number,
): number {
  switch (spec.coordinate) {
    case 'asymmetric':
      return f(o / scale);
    case 'pytorch_half_pixel':
      return outLen > 1 ? f(f(f(o + 0.5) / scale) - 0.5) : 0;
    case 'tf_half_pixel_for_nn':
      return f(f(o + 0.5) / scale);
    case 'align_corners':
      return outLen === 1 ? 0 : f(f(o * (inLen - 1)) / (outLen - 1));
    case 'tf_crop_and_resize':
      return f(
        outLen > 1
          ? roiStart * (inLen - 1) + (o * (roiEnd - roiStart) * (inLen - 1)) / (outLen - 1)
          : 0.5 * (roiStart + roiEnd) * (inLen - 1),
      );
    case 'half_pixel_symmetric': {
      const adjustment = f(outLen / f(scale * inLen));
      const offset = f(f(inLen / 2) * f(1 - adjustment));
      return f(offset + (o + 0.5) / scale - 0.5);
    }
    case 'half_pixel':
      return f(f(f(o + 0.5) / scale) - 0.5);
    default:
      throw new Error(`unknown coordinate_transformation_mode '${spec.coordinate}'`);
  }
}

/** std::round: halves away from zero. */
const roundAway = (x: number): number => Math.sign(x) * Math.floor(Math.abs(x) + 0.5);

function nearestIndex(mode: string, x: number, downsample: boolean): number {
  switch (mode) {
    case '':
      return downsample ? Math.ceil(x) : Math.trunc(x);
    case 'round_prefer_ceil':
      return roundAway(x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    case 'round_prefer_floor':
      return x === Math.trunc(x) + 0.5 ? Math.floor(x) : roundAway(x);
    default:
      throw new Error(`unknown nearest_mode '${mode}'`);
  }
}

/** Cubic convolution weights for offsets −1, 0, 1, 2 from the fractional position s. */
function cubicWeights(s: number, a: number): number[] {
  const w = (t: number): number => {
    const x = Math.abs(t);
    if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    return 0;
  };
  return [w(s + 1), w(s), w(1 - s), w(2 - s)];
}

/** The (outLen × inLen) interpolation matrix of one axis, row-major. */
export function resizeMatrix(
  spec: ResizeSpec,
  inLen: number,
  outLen: number,
  scale: number,
  roiStart: number,
  roiEnd: number,
): Float32Array {
  const m = new Float32Array(outLen * inLen);
  for (let o = 0; o < outLen; o++) {
    const row = o * inLen;
    const xo =
      scale === 1 ? o : originalCoordinate(spec, o, scale, outLen, inLen, roiStart, roiEnd);
    if (spec.extrapolate && scale !== 1 && (xo < 0 || xo > inLen - 1)) continue;
    if (spec.mode === 'nearest') {
      const idx = scale === 1 ? o : nearestIndex(spec.nearest, xo, scale < 1);
      m[row + Math.min(Math.max(idx, 0), inLen - 1)] = 1;
    } else if (spec.mode === 'linear') {
      const x = Math.max(0, Math.min(xo, inLen - 1));
      const x1 = Math.min(Math.trunc(x), inLen - 1);
      const x2 = Math.min(x1 + 1, inLen - 1);
      if (x1 === x2) m[row + x1] = 1;
      else {
        m[row + x1] = f(Math.abs(x - x2));
        m[row + x2] = f(Math.abs(x - x1));
      }
    } else {
      const base = Math.floor(xo);
      const weights = cubicWeights(f(xo - base), spec.cubicA);
      let total = 0;
      for (let t = 0; t < 4; t++) {
        const idx = base - 1 + t;
        if (spec.excludeOutside && (idx < 0 || idx >= inLen)) weights[t] = 0;
        total += weights[t]!;
      }
      for (let t = 0; t < 4; t++) {
        const idx = Math.min(Math.max(base - 1 + t, 0), inLen - 1);
        m[row + idx] = m[row + idx]! + (spec.excludeOutside ? weights[t]! / total : weights[t]!);
      }
    }
  }
  return m;
}

function isIdentity(m: Float32Array, n: number, k: number): boolean {
  if (n !== k) return false;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < k; j++) if (m[i * k + j] !== (i === j ? 1 : 0)) return false;
  return true;
}

/**
 * dX for Y = resize(X): applies Rᵀ along every axis whose matrix is not the identity. `scales`
 * are per axis (the given scale, or out/in when sizes were given); `roi` is [starts…, ends…].
 */
export function resizeGradient(
  ctx: RuleContext,
  dY: string,
  spec: ResizeSpec,
  scales: readonly number[],
  roi: readonly number[] | undefined,
): string {
  const xsym = ctx.symbolicShape(ctx.I(0));
  const ysym = ctx.symbolicShape(ctx.O(0));
  const rank = xsym.length;
  let g = dY;
  for (let a = 0; a < rank; a++) {
    // onnxruntime leaves an axis with scale 1 alone: a free (batch) dim is fine there.
    if (scales[a] === 1 && (xsym[a] === ysym[a] || typeof xsym[a] !== 'number')) continue;
    if (typeof xsym[a] !== 'number' || typeof ysym[a] !== 'number') ctx.shape(ctx.I(0));
    const xs = xsym as readonly number[];
    const ys = ysym as readonly number[];
    const r = resizeMatrix(spec, xs[a]!, ys[a]!, scales[a]!, roi?.[a] ?? 0, roi?.[a + rank] ?? 1);
    if (isIdentity(r, ys[a]!, xs[a]!)) continue;
    // Along the last axis: g·R (… × out)·(out × in). Along the second last: Rᵀ·g. Any other
    // axis is swapped to the last place and back.
    if (a === rank - 1) g = ctx.op('MatMul', [g, ctx.constFloat(r, [ys[a]!, xs[a]!])]);
    else if (a === rank - 2)
      g = ctx.op('MatMul', [ctx.constFloat(transpose(r, ys[a]!, xs[a]!), [xs[a]!, ys[a]!]), g]);
    else {
      const perm = Array.from({ length: rank }, (_, i) => i);
      perm[a] = rank - 1;
      perm[rank - 1] = a;
      const t = ctx.op('Transpose', [g], { perm: { ints: perm } });
      const m = ctx.op('MatMul', [t, ctx.constFloat(r, [ys[a]!, xs[a]!])]);
      g = ctx.op('Transpose', [m], { perm: { ints: perm } });
    }
  }
  return g;
}

function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j]!;
  return t;
}

/**
 * Output shape of Resize or Upsample: the constant `sizes` (input `sizesInput`), or each dim
 * times its scale (the `scales` attribute or input `scalesInput`), rounded down.
 */
export function resizedShape(
  ctx: ShapeContext,
  scalesInput: number,
  sizesInput?: number,
): Dim[] | undefined {
  const x = ctx.input(0);
  if (!x) return undefined;
  const sizes =
    sizesInput !== undefined && ctx.node.input[sizesInput]
      ? ctx.constant(sizesInput)?.values
      : undefined;
  if (sizes?.length) return [...sizes];
  const scales =
    ctx.floats('scales') ??
    (ctx.node.input[scalesInput] ? ctx.constant(scalesInput)?.values : undefined);
  if (!scales?.length) return undefined;
  return x.map((d, i) =>
    typeof d === 'number'
      ? Math.floor(d * Math.fround(scales[i]!))
      : scales[i] === 1
        ? d
        : ctx.unknown(0, i),
  );
}

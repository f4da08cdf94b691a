// Random transformations for transformation robustness (Olah et al. 2017): Lucid's
// `standard_transforms` (lucid/optvis/transform.py): pad 12 (value 0.5), jitter 8, random scale
// 1 + (i − 5)/50, random rotation −10…10°, jitter 4, and, for models with a fixed input size, the
// final resize of Lucent's `render_vis` (lucent/optvis/render.py). Every transform is one affine
// resampling of the previous one's output (bilinear, a constant outside the image), so the chain
// is linear in the image and its adjoint (for the chain rule) is the same samplings' scatters in
// reverse order. Two ways to sample it:
// - `'chain'` (default): each transform resamples the previous output, as Lucid and Lucent do, with
//   Lucent's PyTorch conventions (lucent/optvis/transform.py, kornia ≤ 0.4.1 as it pins): jitter
//   is a translation by 0…d−1 pixels, scaling is `Upsample(align_corners=True)` to ⌈s·size⌉ then
//   zero padding back to the size, rotation is kornia's `warp_affine` about the centre, translation
//   and rotation bring in zeros (black), and the result is resized with `align_corners=True`.
// - `'composed'`: fv's earlier pipeline: the chain pad → crop → scale → rotate → crop (and the
//   final resize) folded into one affine map and sampled once, the pad value everywhere outside.
import { FvError } from '../errors.js';
import type { Rng } from '../random.js';
import { SAMPLING_WASM } from './sampling-wasm.js';
import { ensureWasmMemory, instantiateWasm, type WasmMemory, wasmOn } from './wasm.js';

/** Settings of the random transforms. Defaults are Lucid's `standard_transforms`. */
export interface TransformSettings {
  /**
   * `'chain'`: every transform resamples the previous one's output, as Lucid and Lucent
   * (the PyTorch port) do, with Lucent's conventions. `'composed'`: the whole chain folded into
   * one affine map, sampled once (fv's pipeline before 2026-12; sharper model input, images tuned
   * to being seen upsampled). @defaultValue `'chain'`
   */
  readonly sampling?: 'chain' | 'composed';
  /** Constant padding on every side, in pixels. @defaultValue `12` */
  readonly pad?: number;
  /** Value of the padding (RGB in [0, 1]). @defaultValue `0.5` (Lucid `pad(12, constant_value=.5)`) */
  readonly padValue?: number;
  /**
   * Value that translation, scaling and rotation bring in from outside the (padded) image.
   * @defaultValue `0` with `'chain'` (zeros: kornia's `warp_affine`, `F.pad` in Lucent, and
   *   `tf.contrib.image.rotate` in Lucid); `padValue` with `'composed'`
   */
  readonly fill?: number;
  /**
   * First jitter. `'chain'`: a translation by 0…jitter−1 pixels (Lucent `jitter(8)`); `'composed'`:
   * a random crop that removes up to this many pixels (Lucid's `tf.random_crop`). @defaultValue `8`
   */
  readonly jitter?: number;
  /** Scales drawn uniformly. @defaultValue `[0.9, 0.92, …, 1.1]` (`1 + (i − 5) / 50`, i = 0..10) */
  readonly scales?: readonly number[];
  /** Angles in degrees drawn uniformly. @defaultValue `-10..10` plus five more zeros */
  readonly angles?: readonly number[];
  /** Second jitter, after rotation. @defaultValue `4` */
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

/** One resampling: an affine map from output to source pixels, read bilinearly. */
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
  readonly fill: number;
  /**
   * A constant frame around the source (its padding, folded into this sampling): samples outside
   * the source but within `pad` pixels of it read `value` instead of `fill`.
   */
  readonly frame?: { readonly pad: number; readonly value: number };
}

/** One draw of the random transforms: samplings applied in turn (empty: the identity). */
export type TransformDraw = readonly AffineSampling[];

interface ResolvedSettings {
  readonly sampling: 'chain' | 'composed';
  readonly pad: number;
  readonly padValue: number;
  readonly fill: number | undefined;
  readonly jitter: number;
  readonly scales: readonly number[];
  readonly angles: readonly number[];
  readonly jitter2: number;
}

function checkedSize(v: number | undefined, fallback: number, what: string): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || n < 0) {
    throw new FvError('INVALID_ARGUMENT', `transforms.${what} must be an integer ≥ 0, got ${n}`);
  }
  return n;
}

function checkedList(v: readonly number[] | undefined, fallback: readonly number[], what: string) {
  const list = v ?? fallback;
  if (!Array.isArray(list) || list.length === 0 || list.some((x) => !Number.isFinite(x))) {
    throw new FvError('INVALID_ARGUMENT', `transforms.${what} must be a non-empty list of numbers`);
  }
  return list;
}

function checkedValue(v: number | undefined, what: string): number | undefined {
  if (v !== undefined && !Number.isFinite(v)) {
    throw new FvError('INVALID_ARGUMENT', `transforms.${what} must be a number, got ${v}`);
  }
  return v;
}

const SETTINGS: ReadonlySet<string> = new Set([
  'sampling',
  'pad',
  'padValue',
  'fill',
  'jitter',
  'scales',
  'angles',
  'jitter2',
]);

/**
 * Checks transform settings and fills in the defaults.
 * @throws FvError `INVALID_ARGUMENT` for an unknown setting or value.
 */
export function resolveTransformSettings(settings: TransformSettings = {}): ResolvedSettings {
  for (const key of Object.keys(settings)) {
    if (!SETTINGS.has(key)) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Unknown transforms setting '${key}' (settings: ${[...SETTINGS].join(', ')})`,
      );
    }
  }
  const sampling = settings.sampling ?? 'chain';
  if (sampling !== 'chain' && sampling !== 'composed') {
    throw new FvError(
      'INVALID_ARGUMENT',
      `transforms.sampling must be 'chain' or 'composed', got '${String(sampling)}'`,
    );
  }
  return {
    sampling,
    pad: checkedSize(settings.pad, 12, 'pad'),
    padValue: checkedValue(settings.padValue, 'padValue') ?? 0.5,
    fill: checkedValue(settings.fill, 'fill'),
    jitter: checkedSize(settings.jitter, 8, 'jitter'),
    scales: checkedList(settings.scales, STANDARD_SCALES, 'scales'),
    angles: checkedList(settings.angles, STANDARD_ANGLES, 'angles'),
    jitter2: checkedSize(settings.jitter2, 4, 'jitter2'),
  };
}

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[Math.min(list.length - 1, Math.floor(rng.next() * list.length))] as T;
}

/**
 * Draws one random transform of an `h × w` image: the samplings that take it to the model input.
 * Without `outputSize` the output has the chain's natural size; with it (models with a fixed input
 * size) the chain ends with a resize to that size.
 */
export function randomTransforms(
  rng: Rng,
  h: number,
  w: number,
  settings: TransformSettings = {},
  outputSize?: readonly [number, number],
): TransformDraw {
  const t = resolveTransformSettings(settings);
  if (t.sampling === 'composed') return [composedTransform(rng, h, w, t, outputSize)];
  return chainTransforms(rng, h, w, t, outputSize);
}

/**
 * kornia's `warp_affine` (≤ 0.4.1, `align_corners=False`, as Lucent calls it) of an `h × w` image
 * to its own size, for a pixel-space matrix whose inverse `inv` (x first: `[[a, b, c], [d, e, f]]`,
 * source = inv · destination) is given. kornia normalizes pixel coordinates with `2/(size − 1)`
 * (`normalize_homography`) but builds and samples the grid with `align_corners=False`, so a
 * destination pixel j is the point (j + ½)(size − 1)/size of the matrix's pixel space, and a
 * point p of the source's pixel space is read at p · size/(size − 1) − ½.
 */
function korniaWarp(
  h: number,
  w: number,
  inv: readonly [number, number, number, number, number, number],
  fill: number,
): AffineSampling {
  const [a, b, c, d, e, f] = inv;
  // p' = (s·(j + ½)) per axis; source = q / s − ½ with q = inv · p' (s = (size − 1)/size).
  const sx = w > 1 ? (w - 1) / w : 1;
  const sy = h > 1 ? (h - 1) / h : 1;
  return {
    srcHeight: h,
    srcWidth: w,
    height: h,
    width: w,
    matrix: [
      e,
      (d * sx) / sy,
      (0.5 * d * sx + 0.5 * e * sy + f) / sy - 0.5,
      (b * sy) / sx,
      a,
      (0.5 * a * sx + 0.5 * b * sy + c) / sx - 0.5,
    ],
    fill,
  };
}

/** `Upsample(size, mode='bilinear', align_corners=True)` of an `h × w` image, then zero padding. */
function alignedResize(
  h: number,
  w: number,
  oh: number,
  ow: number,
  pads: { top: number; bottom: number; left: number; right: number },
  fill: number,
): AffineSampling {
  const ky = oh > 1 ? (h - 1) / (oh - 1) : 0;
  const kx = ow > 1 ? (w - 1) / (ow - 1) : 0;
  return {
    srcHeight: h,
    srcWidth: w,
    height: oh + pads.top + pads.bottom,
    width: ow + pads.left + pads.right,
    matrix: [ky, 0, -pads.top * ky, 0, kx, -pads.left * kx],
    fill,
  };
}

const NO_PADS = { top: 0, bottom: 0, left: 0, right: 0 };

/** The `'chain'` sampling: Lucent's `standard_transforms`, then its resize to the model size. */
function chainTransforms(
  rng: Rng,
  h: number,
  w: number,
  t: ResolvedSettings,
  outputSize: readonly [number, number] | undefined,
): TransformDraw {
  const fill = t.fill ?? 0;
  const chain: AffineSampling[] = [];
  let [ch, cw] = [h, w];
  // pad(12, mode='constant', constant_value=0.5): F.pad, an exact copy, folded into the next
  // sampling as a frame (or on its own when nothing follows)
  let frame: { pad: number; value: number } | undefined;
  if (t.pad > 0) {
    frame = { pad: t.pad, value: t.padValue };
    ch += 2 * t.pad;
    cw += 2 * t.pad;
  }
  /** Appends a sampling of the current image (the original one, framed, while the pad is pending). */
  const push = (s: AffineSampling) => {
    if (!frame) {
      chain.push(s);
      return;
    }
    const [ay, by, cy, ax, bx, cx] = s.matrix;
    const p = frame.pad;
    chain.push({
      ...s,
      srcHeight: h,
      srcWidth: w,
      matrix: [ay, by, cy - p, ax, bx, cx - p],
      frame,
    });
    frame = undefined;
  };
  // jitter(d): kornia translate by (dx, dy), each np.random.choice(d)
  const jitter = (d: number) => {
    const dx = Math.floor(rng.next() * d);
    const dy = Math.floor(rng.next() * d);
    if (dx !== 0 || dy !== 0) push(korniaWarp(ch, cw, [1, 0, -dx, 0, 1, -dy], fill));
  };
  if (t.jitter > 0) jitter(t.jitter);
  // random_scale(scales): Upsample to ⌈s·size⌉ (align_corners=True), then F.pad(…, [pad_y, pad_x] * 2)
  const scale = pick(rng, t.scales);
  if (!(scale > 0)) throw new FvError('INVALID_ARGUMENT', `transforms.scales has ${scale}`);
  if (scale !== 1) {
    const sh = Math.ceil(scale * ch);
    const sw = Math.ceil(scale * cw);
    const padX = Math.max(0, Math.ceil((cw - sw) / 2));
    const padY = Math.max(0, Math.ceil((ch - sh) / 2));
    // F.pad's list runs last axis first: left pad_y, right pad_x, top pad_y, bottom pad_x.
    const pads = { left: padY, right: padX, top: padY, bottom: padX };
    const s = alignedResize(ch, cw, sh, sw, pads, fill);
    push(s);
    [ch, cw] = [s.height, s.width];
  }
  // random_rotate(angles): kornia get_rotation_matrix2d about ((w − 1)/2, (h − 1)/2), warp_affine
  const angle = pick(rng, t.angles);
  if (angle !== 0) {
    const theta = (angle * Math.PI) / 180;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const cx = (cw - 1) / 2;
    const cy = (ch - 1) / 2;
    // M = [[cos, sin, (1 − cos)·cx − sin·cy], [−sin, cos, sin·cx + (1 − cos)·cy]]; M⁻¹ rotates back.
    push(
      korniaWarp(
        ch,
        cw,
        [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy],
        fill,
      ),
    );
  }
  if (t.jitter2 > 0) jitter(t.jitter2);
  // render_vis: Upsample(size, mode='bilinear', align_corners=True) to the model's input size
  if (outputSize && (outputSize[0] !== ch || outputSize[1] !== cw)) {
    push(alignedResize(ch, cw, outputSize[0], outputSize[1], NO_PADS, fill));
  }
  if (frame) push(alignedResize(ch, cw, ch, cw, NO_PADS, fill));
  return chain;
}

/**
 * The `'composed'` sampling: one affine map for pad, crop, scale, rotate, crop, sampled once. The
 * output has the natural size of the chain, or `outputSize` when given (a final bilinear resize
 * with half-pixel centres folded into the map).
 */
function composedTransform(
  rng: Rng,
  h: number,
  w: number,
  t: ResolvedSettings,
  outputSize: readonly [number, number] | undefined,
): AffineSampling {
  const { pad, jitter: d1, jitter2: d2, scales, angles } = t;
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
    fill: t.fill ?? t.padValue,
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
    fill: 0.5,
  };
}

/**
 * A sampling prepared for its passes: the source is read through a padded copy that holds, around
 * the source, the values taps outside it read (the frame's value inside the frame, else `fill`),
 * wide enough for every tap of the output (an affine map's taps are extreme at the corners), so
 * no pixel needs a bounds test. For an axis-aligned sampling (no rotation: source y depends on y
 * only, source x on x only) per-row and per-column taps are tabulated. Coordinates are those of
 * the per-pixel formula (`ay·y + by·x + cy` with `by = 0` is `ay·y + cy`).
 */
interface SamplingPlan {
  readonly channels: number;
  /** Padding above and left of the source in the padded copy, and the copy's size. */
  readonly top: number;
  readonly left: number;
  readonly paddedHeight: number;
  readonly paddedWidth: number;
  readonly axisAligned: boolean;
  /** Axis-aligned: per output row, the padded index of its first tap row's start; its fraction. */
  readonly rowBase: Int32Array;
  readonly fy: Float64Array;
  /** Axis-aligned: per output column, the padded column of its first tap; its fraction. */
  readonly colBase: Int32Array;
  readonly fx: Float64Array;
  /** Axis-aligned: `1 − fy` per row and `1 − fx` per column (the same doubles as per pixel). */
  readonly gy: Float64Array;
  readonly gx: Float64Array;
}

const plans = new WeakMap<AffineSampling, SamplingPlan>();

function planOf(s: AffineSampling, channels: number): SamplingPlan {
  const cached = plans.get(s);
  if (cached && cached.channels === channels) return cached;
  const { srcHeight: h, srcWidth: w, height, width } = s;
  const [ay, by, cy, ax, bx, cx] = s.matrix;
  // Taps span [floor(min), floor(max) + 1] over the output's corners.
  let minY = 0;
  let maxY = h - 1;
  let minX = 0;
  let maxX = w - 1;
  for (const y of [0, height - 1]) {
    for (const x of [0, width - 1]) {
      const ty = Math.floor(ay * y + by * x + cy);
      const tx = Math.floor(ax * y + bx * x + cx);
      minY = Math.min(minY, ty);
      maxY = Math.max(maxY, ty + 1);
      minX = Math.min(minX, tx);
      maxX = Math.max(maxX, tx + 1);
    }
  }
  const top = -minY;
  const left = -minX;
  const paddedWidth = maxX - minX + 1;
  const axisAligned = by === 0 && ax === 0;
  const rowBase = new Int32Array(axisAligned ? height : 0);
  const fy = new Float64Array(axisAligned ? height : 0);
  const colBase = new Int32Array(axisAligned ? width : 0);
  const fx = new Float64Array(axisAligned ? width : 0);
  const gy = new Float64Array(axisAligned ? height : 0);
  const gx = new Float64Array(axisAligned ? width : 0);
  if (axisAligned) {
    for (let y = 0; y < height; y++) {
      const sy = ay * y + cy;
      const y0 = Math.floor(sy);
      rowBase[y] = (y0 + top) * paddedWidth;
      fy[y] = sy - y0;
      gy[y] = 1 - (sy - y0);
    }
    for (let x = 0; x < width; x++) {
      const sx = bx * x + cx;
      const x0 = Math.floor(sx);
      colBase[x] = x0 + left;
      fx[x] = sx - x0;
      gx[x] = 1 - (sx - x0);
    }
  }
  const plan = {
    channels,
    top,
    left,
    paddedHeight: maxY - minY + 1,
    paddedWidth,
    axisAligned,
    rowBase,
    fy,
    colBase,
    fx,
    gy,
    gx,
  };
  plans.set(s, plan);
  return plan;
}

/**
 * The columns of a padded copy: [frameStart, srcStart) frame, [srcStart, srcEnd) source,
 * [srcEnd, frameEnd) frame, the rest fill (all clipped to the copy), in the rows within
 * `framePad` of the source.
 */
function paddingOf(s: AffineSampling, p: SamplingPlan) {
  const framePad = s.frame ? s.frame.pad : 0;
  const { left, paddedWidth: pw } = p;
  const clip = (v: number) => Math.min(pw, Math.max(0, v));
  return {
    framePad,
    frameValue: s.frame ? s.frame.value : s.fill,
    frameStart: clip(left - framePad),
    srcStart: clip(left),
    srcEnd: clip(left + s.srcWidth),
    frameEnd: clip(left + s.srcWidth + framePad),
  };
}

/**
 * The padded copy of `src` (`[channels, srcH, srcW]`) that a plan reads, in float64 so that the
 * outside values are the exact constants. Written as row segments: no bounds test per pixel.
 */
function paddedSource(
  src: Float32Array,
  s: AffineSampling,
  p: SamplingPlan,
  out: Float64Array,
): Float64Array {
  const { srcHeight: h, srcWidth: w, fill } = s;
  const { top, left, paddedHeight: ph, paddedWidth: pw } = p;
  const { framePad, frameValue, frameStart, srcStart, srcEnd, frameEnd } = paddingOf(s, p);
  for (let c = 0, o = 0; c < p.channels; c++) {
    for (let py = 0; py < ph; py++, o += pw) {
      const ty = py - top;
      if (!(ty >= -framePad && ty < h + framePad)) {
        for (let px = 0; px < pw; px++) out[o + px] = fill;
        continue;
      }
      for (let px = 0; px < frameStart; px++) out[o + px] = fill;
      if (ty >= 0 && ty < h) {
        for (let px = frameStart; px < srcStart; px++) out[o + px] = frameValue;
        const from = c * h * w + ty * w - left;
        for (let px = srcStart; px < srcEnd; px++) out[o + px] = src[from + px] as number;
        for (let px = srcEnd; px < frameEnd; px++) out[o + px] = frameValue;
      } else {
        for (let px = frameStart; px < frameEnd; px++) out[o + px] = frameValue;
      }
      for (let px = frameEnd; px < pw; px++) out[o + px] = fill;
    }
  }
  return out;
}

/**
 * The pixel loops as WebAssembly (tools/wasm/sampling.wat): the same float64 operations
 * in the same order as {@link bilinearLoops} below (WebAssembly has no fused
 * multiply-add and rounds as JavaScript does), so the same bits, in well under half the time. Where
 * WebAssembly is missing or refuses the module (a content security policy), the JavaScript loops
 * run instead.
 */
interface SamplingWasm {
  readonly memory: WasmMemory;
  /** {@link paddedSource} of a float32 source at `src` into `dst`. */
  pad(
    src: number,
    dst: number,
    channels: number,
    h: number,
    w: number,
    ph: number,
    pw: number,
    top: number,
    left: number,
    framePad: number,
    frameStart: number,
    srcStart: number,
    srcEnd: number,
    frameEnd: number,
    frameValue: number,
    fill: number,
  ): void;
  /** The source part of a float32 padded accumulator at `acc`, as `[channels, h, w]` at `dst`. */
  unpad(
    acc: number,
    dst: number,
    channels: number,
    h: number,
    w: number,
    pw: number,
    plane: number,
    top: number,
    left: number,
  ): void;
  /** An axis-aligned sampling, from the plan's tables; `alignedAdjoint` its adjoint. */
  alignedSample: AlignedKernel;
  alignedAdjoint: AlignedKernel;
  /** Any affine sampling, from its matrix; `affineAdjoint` its adjoint. */
  affineSample: AffineKernel;
  affineAdjoint: AffineKernel;
}

/** The arguments every kernel ends with: output size, channels, padded row and plane lengths. */
type KernelTail = [
  height: number,
  width: number,
  channels: number,
  pw: number,
  plane: number,
  outPlane: number,
];

type AlignedKernel = (
  buffer: number,
  data: number,
  rowBase: number,
  fy: number,
  gy: number,
  colBase: number,
  fx: number,
  gx: number,
  ...tail: KernelTail
) => void;

type AffineKernel = (
  buffer: number,
  data: number,
  ay: number,
  by: number,
  cy: number,
  ax: number,
  bx: number,
  cx: number,
  top: number,
  left: number,
  ...tail: KernelTail
) => void;

let samplingWasm: SamplingWasm | null | undefined;

/** The WebAssembly kernels, instantiated on first use, or null (the JavaScript loops run). */
function samplingKernels(): SamplingWasm | null {
  if (!wasmOn()) return null;
  if (samplingWasm === undefined) samplingWasm = instantiateWasm<SamplingWasm>(SAMPLING_WASM);
  return samplingWasm;
}

const align8 = (bytes: number) => (bytes + 7) & ~7;

/**
 * Lays out one kernel call in the module's memory (grown as needed): the plan's tables, the padded
 * buffer (float64 source or float32 accumulator), the float32 output or gradient, and a float32
 * source-sized region; runs `before` on the memory (with the last three's byte offsets), then
 * the kernel, and returns the memory with the buffer's and the output's offsets (null where the
 * memory cannot grow enough: the caller runs the JavaScript loops).
 */
function runWasm(
  k: SamplingWasm,
  s: AffineSampling,
  p: SamplingPlan,
  channels: number,
  adjoint: boolean,
  before: (heap: ArrayBuffer, buffer: number, data: number, source: number) => void,
): { heap: ArrayBuffer; buffer: number; data: number } | null {
  const { height, width } = s;
  const n = channels * p.paddedHeight * p.paddedWidth;
  const rowBase = 0;
  const colBase = align8(rowBase + 4 * p.rowBase.length);
  const fy = align8(colBase + 4 * p.colBase.length);
  const gy = fy + 8 * p.fy.length;
  const fx = gy + 8 * p.gy.length;
  const gx = fx + 8 * p.fx.length;
  const buffer = gx + 8 * p.gx.length;
  const data = align8(buffer + (adjoint ? 4 : 8) * n);
  const source = align8(data + 4 * channels * height * width);
  const end = source + 4 * channels * s.srcHeight * s.srcWidth;
  const heap = ensureWasmMemory(k.memory, end);
  if (!heap) return null;
  if (p.axisAligned) {
    new Int32Array(heap, rowBase, p.rowBase.length).set(p.rowBase);
    new Int32Array(heap, colBase, p.colBase.length).set(p.colBase);
    new Float64Array(heap, fy, p.fy.length).set(p.fy);
    new Float64Array(heap, gy, p.gy.length).set(p.gy);
    new Float64Array(heap, fx, p.fx.length).set(p.fx);
    new Float64Array(heap, gx, p.gx.length).set(p.gx);
  }
  before(heap, buffer, data, source);
  const pw = p.paddedWidth;
  const plane = p.paddedHeight * pw;
  const tail: KernelTail = [height, width, channels, pw, plane, height * width];
  if (p.axisAligned) {
    const kernel = adjoint ? k.alignedAdjoint : k.alignedSample;
    kernel(buffer, data, rowBase, fy, gy, colBase, fx, gx, ...tail);
  } else {
    const [ay, by, cy, ax, bx, cx] = s.matrix;
    const kernel = adjoint ? k.affineAdjoint : k.affineSample;
    kernel(buffer, data, ay, by, cy, ax, bx, cx, p.top, p.left, ...tail);
  }
  return { heap, buffer, data };
}

/**
 * Applies a sampling to planar `[channels, srcH, srcW]` data; returns `[channels, height, width]`
 * (written into `out` when given: at least that long; `scratch` holds the padded source). Each
 * output pixel's weights serve all its channels.
 */
export function sampleAffine(
  data: Float32Array,
  channels: number,
  s: AffineSampling,
  out: Float32Array = new Float32Array(channels * s.height * s.width),
  scratch?: TransformScratch,
): Float32Array {
  const p = planOf(s, channels);
  const n = channels * p.paddedHeight * p.paddedWidth;
  const k = samplingKernels();
  if (k) {
    const length = channels * s.height * s.width;
    const size = channels * s.srcHeight * s.srcWidth;
    const run = runWasm(k, s, p, channels, false, (heap, buffer, _, source) => {
      new Float32Array(heap, source, size).set(data.subarray(0, size));
      const g = paddingOf(s, p);
      k.pad(
        source,
        buffer,
        channels,
        s.srcHeight,
        s.srcWidth,
        p.paddedHeight,
        p.paddedWidth,
        p.top,
        p.left,
        g.framePad,
        g.frameStart,
        g.srcStart,
        g.srcEnd,
        g.frameEnd,
        g.frameValue,
        s.fill,
      );
    });
    if (run) {
      out.set(new Float32Array(run.heap, run.data, length));
      return out;
    }
  }
  const src = paddedSource(data, s, p, scratch ? scratch.float64(n) : new Float64Array(n));
  bilinearLoops(src, out, channels, s, p);
  return out;
}

/**
 * The JavaScript loops of {@link sampleAffine} (`padded` the float64 padded source, `data` the
 * output) and of its adjoint (`padded` the float32 accumulator that `data`, the gradient, is
 * scattered onto, each cell's float32 additions in output-pixel order). Per output pixel: its
 * first tap and the weights `(1 − fy)·(1 − fx)`, `(1 − fy)·fx`, `fy·(1 − fx)`, `fy·fx` (for an
 * axis-aligned sampling from the plan's tables, `1 − f` tabulated: the same doubles), then every
 * channel's taps.
 */
function bilinearLoops(
  padded: Float64Array | Float32Array,
  data: Float32Array,
  channels: number,
  s: AffineSampling,
  p: SamplingPlan,
): void {
  const pw = p.paddedWidth;
  const plane = p.paddedHeight * pw;
  const outPlane = s.height * s.width;
  const [ay, by, cy, ax, bx, cx] = s.matrix;
  const { axisAligned, top, left } = p;
  const src = padded instanceof Float64Array ? padded : undefined;
  const acc = padded instanceof Float32Array ? padded : undefined;
  for (let y = 0, o = 0; y < s.height; y++) {
    const ry = axisAligned ? (p.fy[y] as number) : 0;
    const gy = axisAligned ? (p.gy[y] as number) : 0;
    const r = axisAligned ? (p.rowBase[y] as number) : 0;
    for (let x = 0; x < s.width; x++, o++) {
      let b: number;
      let fy = ry;
      let fx: number;
      let w00: number;
      let w10: number;
      if (axisAligned) {
        b = r + (p.colBase[x] as number);
        fx = p.fx[x] as number;
        const gx = p.gx[x] as number;
        w00 = gy * gx;
        w10 = fy * gx;
      } else {
        const sy = ay * y + by * x + cy;
        const sx = ax * y + bx * x + cx;
        const y0 = Math.floor(sy);
        const x0 = Math.floor(sx);
        fy = sy - y0;
        fx = sx - x0;
        b = ((y0 + top) * pw + x0 + left) | 0;
        w00 = (1 - fy) * (1 - fx);
        w10 = fy * (1 - fx);
      }
      const w01 = (axisAligned ? gy : 1 - fy) * fx;
      const w11 = fy * fx;
      if (src) {
        for (let c = 0, a = b, i = o; c < channels; c++, a += plane, i += outPlane) {
          data[i] =
            w00 * (src[a] as number) +
            w01 * (src[a + 1] as number) +
            w10 * (src[a + pw] as number) +
            w11 * (src[a + pw + 1] as number);
        }
      } else if (acc) {
        for (let c = 0, a = b, i = o; c < channels; c++, a += plane, i += outPlane) {
          const g = data[i] as number;
          acc[a] = (acc[a] as number) + w00 * g;
          acc[a + 1] = (acc[a + 1] as number) + w01 * g;
          acc[a + pw] = (acc[a + pw] as number) + w10 * g;
          acc[a + pw + 1] = (acc[a + pw + 1] as number) + w11 * g;
        }
      }
    }
  }
}

/**
 * Adjoint of {@link sampleAffine} in the image (fills are constants): scatters `grad`
 * (`[channels, height, width]`) onto `[channels, srcH, srcW]` (into `out` when given: at least
 * that long). The same taps in the same order as the sampling, so the two stay each other's
 * transpose; taps outside the source land in the padding and are dropped. Every channel is its
 * own plane, so each cell receives its float32 additions in output-pixel order.
 */
export function sampleAffineAdjoint(
  grad: Float32Array,
  channels: number,
  s: AffineSampling,
  out: Float32Array = new Float32Array(channels * s.srcHeight * s.srcWidth),
  scratch?: TransformScratch,
): Float32Array {
  const p = planOf(s, channels);
  const { srcHeight: h, srcWidth: w } = s;
  const pw = p.paddedWidth;
  const plane = p.paddedHeight * pw;
  const outPlane = s.height * s.width;
  const n = channels * plane;
  const k = samplingKernels();
  if (k) {
    const length = channels * outPlane;
    let source = 0;
    const run = runWasm(k, s, p, channels, true, (heap, buffer, data, at) => {
      new Float32Array(heap, buffer, n).fill(0);
      new Float32Array(heap, data, length).set(grad.subarray(0, length));
      source = at;
    });
    if (run) {
      k.unpad(run.buffer, source, channels, h, w, pw, plane, p.top, p.left);
      out.set(new Float32Array(run.heap, source, channels * h * w));
      return out;
    }
  }
  const acc = scratch ? scratch.float32(PADDED_ADJOINT, n, true) : new Float32Array(n);
  bilinearLoops(acc, grad, channels, s, p);
  for (let c = 0, o = 0; c < channels; c++) {
    for (let y = 0; y < h; y++, o += w) {
      const from = c * plane + (y + p.top) * pw + p.left;
      out.set(acc.subarray(from, from + w), o);
    }
  }
  return out;
}

/**
 * Buffers that a loop reuses from step to step for {@link applyTransforms} and its adjoint (the
 * samplings' outputs, the padded sources and adjoints), grown to the largest size seen.
 */
export interface TransformScratch {
  /** Float32 buffer `slot`, at least `n` long, as a view of length `n` (zero-filled when `zero`). */
  float32(slot: number, n: number, zero?: boolean): Float32Array;
  /** The float64 buffer, at least `n` long (contents undefined). */
  float64(n: number): Float64Array;
}

/** Float32 slots of a {@link TransformScratch}: outputs 0–1, adjoints 2–3, then these. */
const PADDED_ADJOINT = 4;
/** The first slot free for a caller of {@link applyTransforms} with a scratch. */
export const FREE_SCRATCH_SLOT = 5;

/** A new, empty {@link TransformScratch}. */
export function transformScratch(): TransformScratch {
  const buffers: Float32Array[] = [];
  let wide = new Float64Array(0);
  return {
    float32(slot, n, zero = false) {
      const b = buffers[slot];
      if (!b || b.length < n) {
        const fresh = new Float32Array(n);
        buffers[slot] = fresh;
        return fresh;
      }
      const view = b.length === n ? b : b.subarray(0, n);
      if (zero) view.fill(0);
      return view;
    },
    float64(n) {
      if (wide.length < n) wide = new Float64Array(n);
      return wide;
    },
  };
}

/**
 * Applies the samplings of a draw in turn to planar `[channels, H, W]` data. With `scratch` the
 * result is one of its buffers (valid until the next call that uses them), otherwise a new array.
 */
export function applyTransforms(
  data: Float32Array,
  channels: number,
  draw: TransformDraw,
  scratch?: TransformScratch,
): Float32Array {
  if (draw.length === 0) return new Float32Array(data);
  let x = data;
  draw.forEach((s, i) => {
    const n = channels * s.height * s.width;
    x = scratch
      ? sampleAffine(x, channels, s, scratch.float32(i % 2, n), scratch)
      : sampleAffine(x, channels, s);
  });
  return x;
}

/**
 * Adjoint of {@link applyTransforms} in the image: the samplings' adjoints in reverse order. With
 * `scratch` the result is one of its buffers (valid until the next call that uses them).
 */
export function applyTransformsAdjoint(
  grad: Float32Array,
  channels: number,
  draw: TransformDraw,
  scratch?: TransformScratch,
): Float32Array {
  if (draw.length === 0) return new Float32Array(grad);
  let g = grad;
  for (let i = draw.length - 1; i >= 0; i--) {
    const s = draw[i] as AffineSampling;
    const n = channels * s.srcHeight * s.srcWidth;
    g = scratch
      ? sampleAffineAdjoint(g, channels, s, scratch.float32(2 + (i % 2), n), scratch)
      : sampleAffineAdjoint(g, channels, s);
  }
  return g;
}

/** Output size `[H, W]` of a draw applied to an `h × w` image. */
export function transformedSize(draw: TransformDraw, h: number, w: number): [number, number] {
  const last = draw.at(-1);
  return last ? [last.height, last.width] : [h, w];
}

// The hot loops of @fv/viz, each in a function of its own that ends right after its loop and
// returns nothing or a number.
//
// Why: V8 compiles a long loop while it runs (on-stack replacement) before the code after the
// loop has ever executed. When that code needs type feedback (an object literal, a call, a
// property load), the compiled loop deoptimizes there, and Node 20's V8 reuses the same compiled
// loop on the next call, so it deoptimizes on every call and each call runs partly interpreted:
// 3–5× slower on a 1024×1024 map. A loop followed only by `return` (or a store to a module
// variable, which needs no feedback) does not have the problem. Extra results leave through the
// module variables below.

/** Extent found by the last sign kernel. */
export let kernelMin = 0;
export let kernelMax = 0;

// Sign transforms: NaN for non-finite values; returns the count of finite ones. Each first runs a
// loop with no finiteness test (NaN and ±Infinity show up in Math.min/Math.max), and only when
// that finds one runs the careful loop.

function careful(src: Float32Array, out: Float32Array, sign: 0 | 1 | 2 | 3): number {
  let finite = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < src.length; i++) {
    const x = src[i]!;
    if (!Number.isFinite(x)) {
      out[i] = Number.NaN;
      continue;
    }
    const v =
      sign === 0 ? Math.abs(x) : sign === 1 ? Math.max(x, 0) : sign === 2 ? Math.max(-x, 0) : x;
    out[i] = v;
    finite++;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  kernelMin = min;
  kernelMax = max;
  return finite;
}

export function absoluteKernel(src: Float32Array, out: Float32Array): number {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < src.length; i++) {
    const v = Math.abs(src[i]!);
    out[i] = v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (!Number.isFinite(max)) return careful(src, out, 0);
  kernelMin = min;
  kernelMax = max;
  return src.length;
}

export function positiveKernel(src: Float32Array, out: Float32Array): number {
  // Tracks the source's extent: it shows every non-finite value (NaN propagates, ±Infinity is
  // extreme) and gives the result's extent.
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < src.length; i++) {
    const x = src[i]!;
    out[i] = Math.max(x, 0);
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) return careful(src, out, 1);
  kernelMin = Math.max(min, 0);
  kernelMax = Math.max(max, 0);
  return src.length;
}

export function negativeKernel(src: Float32Array, out: Float32Array): number {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < src.length; i++) {
    const x = src[i]!;
    out[i] = Math.max(-x, 0);
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) return careful(src, out, 2);
  kernelMin = Math.max(-max, 0);
  kernelMax = Math.max(-min, 0);
  return src.length;
}

export function signedKernel(src: Float32Array, out: Float32Array): number {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < src.length; i++) {
    const x = src[i]!;
    out[i] = x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) return careful(src, out, 3);
  kernelMin = min;
  kernelMax = max;
  return src.length;
}

// Normalization.

/** values[i] = clamp((values[i] − low) · scale + offset, bottom, 1); NaN stays NaN. */
export function scaleKernel(
  values: Float32Array,
  low: number,
  scale: number,
  offset: number,
  bottom: number,
): void {
  for (let i = 0; i < values.length; i++) {
    const t = scale === 0 ? values[i]! * 0 : (values[i]! - low) * scale + offset;
    values[i] = t < bottom ? bottom : Math.min(t, 1);
  }
}

/** values[i] = sign(v) · |v|^gamma. */
export function gammaKernel(values: Float32Array, gamma: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > 0) values[i] = v ** gamma;
    else if (v < 0) values[i] = -((-v) ** gamma);
  }
}

// Radix select (see statistics.ts). Keys are monotone uint32 forms of float32 bits.

const keyScratch = new Float32Array(1);
const keyScratchBits = new Uint32Array(keyScratch.buffer);

/** A uint32 that orders like the float32 with these bits (negatives first, -0 just below +0). */
export function keyOf(bits: number): number {
  return (bits & 0x80000000 ? ~bits : bits | 0x80000000) >>> 0;
}

export function valueOfKey(key: number): number {
  keyScratchBits[0] = key & 0x80000000 ? key ^ 0x80000000 : ~key;
  return keyScratch[0]!;
}

/** Counts and sums values (|values| with `magnitude`) by `key >>> shift`; NaN skipped. */
export function histogramKernel(
  values: Float32Array,
  bits: Uint32Array,
  magnitude: boolean,
  shift: number,
  counts: Uint32Array,
  sums: Float64Array,
): void {
  const mask = magnitude ? 0x7fffffff : 0xffffffff;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const b = keyOf(bits[i]! & mask) >>> shift;
    counts[b]!++;
    sums[b]! += magnitude ? Math.abs(v) : v;
  }
}

/** Writes the keys whose `key >>> shift` is `prefix` into `keys`; returns how many. */
export function collectKeysKernel(
  values: Float32Array,
  bits: Uint32Array,
  magnitude: boolean,
  shift: number,
  prefix: number,
  keys: Uint32Array,
): number {
  const mask = magnitude ? 0x7fffffff : 0xffffffff;
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const key = keyOf(bits[i]! & mask);
    if (key >>> shift === prefix && !Number.isNaN(values[i]!)) keys[m++] = key;
  }
  return m;
}

/** Counts and sums keys by `(key >>> shift) & (size − 1)`. */
export function keyHistogramKernel(
  keys: Uint32Array,
  shift: number,
  size: number,
  counts: Uint32Array,
  sums: Float64Array,
): void {
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const b = (key >>> shift) & (size - 1);
    counts[b]!++;
    sums[b]! += valueOfKey(key);
  }
}

/** Writes the keys in bucket `bucket` of `(key >>> shift) & (size − 1)` into `out`. */
export function filterKeysKernel(
  keys: Uint32Array,
  shift: number,
  size: number,
  bucket: number,
  out: Uint32Array,
): void {
  let j = 0;
  for (let i = 0; i < keys.length; i++) {
    if (((keys[i]! >>> shift) & (size - 1)) === bucket) out[j++] = keys[i]!;
  }
}

// Colormap lookup and compositing. `table` has 257 packed RGBA words, entry 256 transparent
// (no value); linear kernels compute entry floor((v − low) · gain) clamped to 0..255.

export const NO_VALUE = 256;

export function heatLinearKernel(
  values: Float32Array,
  words: Uint32Array,
  table: Uint32Array,
  low: number,
  gain: number,
): void {
  for (let i = 0; i < values.length; i++) {
    const x = (values[i]! - low) * gain;
    // NaN takes the transparent entry; `x | 0` is floor for 0 < x < 255.
    words[i] = table[Number.isNaN(x) ? NO_VALUE : x >= 255 ? 255 : x <= 0 ? 0 : x | 0]!;
  }
}

export function heatIndexedKernel(
  values: Float32Array,
  words: Uint32Array,
  table: Uint32Array,
  toIndex: (value: number) => number,
): void {
  for (let i = 0; i < values.length; i++) words[i] = table[toIndex(values[i]!)]!;
}

/**
 * One pixel of source-over compositing on packed little-endian RGBA words, red and blue in one
 * multiply: base + (top − base) · w / 256 per colour channel, alpha ba + (255 − ba) · w / 256.
 */
function blendWord(b: number, t: number, w: number): number {
  const inv = 256 - w;
  const rb = ((((t & 0xff00ff) * w + (b & 0xff00ff) * inv) >>> 8) & 0xff00ff) >>> 0;
  const g = ((((t & 0xff00) * w + (b & 0xff00) * inv) >>> 8) & 0xff00) >>> 0;
  const ba = b >>> 24;
  return (rb | g | ((ba + (((255 - ba) * w) >>> 8)) << 24)) >>> 0;
}

/** Heat map over `base` at weight w/256, colormap lookup and blend in one pass. */
export function overlayLinearKernel(
  values: Float32Array,
  base: Uint32Array,
  out: Uint32Array,
  table: Uint32Array,
  low: number,
  gain: number,
  w: number,
): void {
  for (let i = 0; i < out.length; i++) {
    const x = (values[i]! - low) * gain;
    if (Number.isNaN(x) || w === 0) {
      out[i] = base[i]!;
      continue;
    }
    out[i] = blendWord(base[i]!, table[x >= 255 ? 255 : x <= 0 ? 0 : x | 0]!, w);
  }
}

export function overlayIndexedKernel(
  values: Float32Array,
  base: Uint32Array,
  out: Uint32Array,
  table: Uint32Array,
  toIndex: (value: number) => number,
  w: number,
): void {
  for (let i = 0; i < out.length; i++) {
    const k = toIndex(values[i]!);
    out[i] = k === NO_VALUE || w === 0 ? base[i]! : blendWord(base[i]!, table[k]!, w);
  }
}

/** `top` over `base`, each pixel's weight `weights[top alpha]` / 256 (packed little-endian words). */
export function blendWordsKernel(
  base: Uint32Array,
  top: Uint32Array,
  out: Uint32Array,
  weights: Uint16Array,
): void {
  for (let i = 0; i < out.length; i++) {
    const w = weights[top[i]! >>> 24]!;
    out[i] = w === 0 ? base[i]! : blendWord(base[i]!, top[i]!, w);
  }
}

/** The same compositing byte by byte (any byte order). */
export function blendBytesKernel(
  src: Uint8ClampedArray,
  over: Uint8ClampedArray,
  data: Uint8ClampedArray,
  weights: Uint16Array,
): void {
  for (let i = 0; i < src.length; i += 4) {
    const w = weights[over[i + 3]!]!;
    const inv = 256 - w;
    const ba = src[i + 3]!;
    data[i] = (over[i]! * w + src[i]! * inv) >>> 8;
    data[i + 1] = (over[i + 1]! * w + src[i + 1]! * inv) >>> 8;
    data[i + 2] = (over[i + 2]! * w + src[i + 2]! * inv) >>> 8;
    data[i + 3] = ba + (((255 - ba) * w) >>> 8);
  }
}

export function grayscaleKernel(src: Uint8ClampedArray, data: Uint8ClampedArray): void {
  for (let i = 0; i < src.length; i += 4) {
    const v = (src[i]! + src[i + 1]! + src[i + 2]!) / 3;
    data[i] = v;
    data[i + 1] = v;
    data[i + 2] = v;
    data[i + 3] = src[i + 3]!;
  }
}

/** RGB × mask (NaN masks to 0), alpha kept. */
export function maskKernel(
  src: Uint8ClampedArray,
  mask: Float32Array,
  data: Uint8ClampedArray,
): void {
  for (let p = 0, i = 0; i < src.length; p++, i += 4) {
    const m = mask[p]!;
    const v = Number.isNaN(m) ? 0 : m;
    data[i] = src[i]! * v;
    data[i + 1] = src[i + 1]! * v;
    data[i + 2] = src[i + 2]! * v;
    data[i + 3] = src[i + 3]!;
  }
}

/** Alpha × mask (NaN masks to 0); `data` starts as a copy of `src`. */
export function alphaMaskKernel(
  src: Uint8ClampedArray,
  mask: Float32Array,
  data: Uint8ClampedArray,
): void {
  for (let p = 0, i = 3; i < src.length; p++, i += 4) {
    const m = mask[p]!;
    data[i] = src[i]! * (Number.isNaN(m) ? 0 : m);
  }
}

// Resampling, with index and weight tables per axis.

export function nearestKernel<T extends Float32Array | Uint32Array>(
  src: T,
  srcWidth: number,
  out: T,
  width: number,
  xs: Int32Array,
  ys: Int32Array,
): void {
  for (let y = 0; y < ys.length; y++) {
    const row = ys[y]! * srcWidth;
    for (let x = 0; x < width; x++) out[y * width + x] = src[row + xs[x]!]!;
  }
}

export function bilinearKernel(
  src: Float32Array,
  srcWidth: number,
  out: Float32Array,
  width: number,
  x0s: Int32Array,
  x1s: Int32Array,
  wxs: Float32Array,
  y0s: Int32Array,
  y1s: Int32Array,
  wys: Float32Array,
): void {
  for (let y = 0; y < y0s.length; y++) {
    const r0 = y0s[y]! * srcWidth;
    const r1 = y1s[y]! * srcWidth;
    const wy = wys[y]!;
    for (let x = 0; x < width; x++) {
      const x0 = x0s[x]!;
      const x1 = x1s[x]!;
      const wx = wxs[x]!;
      const top = src[r0 + x0]! + (src[r0 + x1]! - src[r0 + x0]!) * wx;
      const bottom = src[r1 + x0]! + (src[r1 + x1]! - src[r1 + x0]!) * wx;
      out[y * width + x] = top + (bottom - top) * wy;
    }
  }
}

// The hot loops of @fv/viz, each in a function of its own that ends right after its loop and
// returns its result: nothing, a number, or numbers written into a typed array the caller passes.
//
// Why: V8 compiles a long loop while it runs (on-stack replacement) before the code after the
// loop has ever executed. When that code needs type feedback (an object literal, a call, a
// property load), the compiled loop deoptimizes there, and Node 20's V8 reuses the same compiled
// loop on the next call, so it deoptimizes on every call and each call runs partly interpreted:
// 3–5× slower on a 1024×1024 map. A loop followed only by `return` does not have the problem; the
// kernels with several results store them into the caller's array, and `warmUp` (run once, at
// module load, on one-element inputs) gives those stores their feedback before any loop is
// compiled.

// Signs without branches: the value drawn is v = a·|x| + b·x with (a, b) = (1, 0) for absolute,
// (½, ½) positive, (½, −½) negative, (0, 1) all (exact in double precision); its magnitude
// c·|x| + d·x uses (c, d) = (1, 0) for all and (a, b) otherwise. (Math.max(a·x, b·x) would do
// too, but V8's Math.max costs several times more.) The magnitude's float32 bits come straight from
// x's bits: (bits & 0x7fffffff) & selector, selector = (s & negMask) | (~s & posMask) with s the
// sign bit spread (bits >> 31): all ones for absolute and all, ~s for positive, s for negative.

/** Writes v = a·|x| + b·x for finite x and NaN otherwise; returns how many were finite. */
export function materializeKernel(
  src: Float32Array,
  out: Float32Array,
  a: number,
  b: number,
): number {
  let finite = 0;
  for (let i = 0; i < src.length; i++) {
    const x = src[i]!;
    if (Number.isFinite(x)) {
      out[i] = Math.abs(x) * a + x * b;
      finite++;
    } else {
      out[i] = Number.NaN;
    }
  }
  return finite;
}

/** Minimum and maximum of `src` into `out[0]`, `out[1]` (NaN when there is a NaN). */
export function extentKernel(src: Float32Array, out: Float64Array): void {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < src.length; i++) {
    const x = src[i]!;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  out[0] = min;
  out[1] = max;
}

/** Smallest |x| of `src` (NaN propagates). */
export function minAbsKernel(src: Float32Array): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < src.length; i++) min = Math.min(min, Math.abs(src[i]!));
  return min;
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
function keyOf(bits: number): number {
  return (bits & 0x80000000 ? ~bits : bits | 0x80000000) >>> 0;
}

export function valueOfKey(key: number): number {
  keyScratchBits[0] = key & 0x80000000 ? key ^ 0x80000000 : ~key;
  return keyScratch[0]!;
}

/** Counts and sums values by `key >>> shift` (signed keys, see keyOf); NaN skipped. */
export function histogramKernel(
  values: Float32Array,
  bits: Uint32Array,
  shift: number,
  counts: Uint32Array,
  sums: Float64Array,
): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const b = keyOf(bits[i]!) >>> shift;
    counts[b]!++;
    sums[b]! += v;
  }
}

/** Writes the keys whose `key >>> shift` is `prefix` into `keys`. */
export function collectKeysKernel(
  values: Float32Array,
  bits: Uint32Array,
  shift: number,
  prefix: number,
  keys: Uint32Array,
): void {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const key = keyOf(bits[i]!);
    if (key >>> shift === prefix && !Number.isNaN(values[i]!)) keys[m++] = key;
  }
}

/**
 * First-level histogram of magnitudes taken straight from the source (see the selector above),
 * by magnitude bits >>> 20, in two interleaved tables so that runs of equal buckets do not wait
 * on each other. Non-finite x are skipped, whatever the selector: for sign `negative`, +Infinity is
 * a missing value, not a magnitude of 0.
 */
export function magnitudeHistogramKernel(
  src: Float32Array,
  bits: Int32Array,
  negMask: number,
  posMask: number,
  c: number,
  d: number,
  counts0: Uint32Array,
  sums0: Float64Array,
  counts1: Uint32Array,
  sums1: Float64Array,
): void {
  // Everything the code after the loop reads is read before it (see the top of this file).
  const n = src.length;
  const even = n & ~1;
  for (let i = 0; i < even; i += 2) {
    const x = src[i]!;
    const y = src[i + 1]!;
    const bx = bits[i]!;
    const by = bits[i + 1]!;
    const sx = bx >> 31;
    const sy = by >> 31;
    const kx = bx & 0x7fffffff & ((sx & negMask) | (~sx & posMask));
    const ky = by & 0x7fffffff & ((sy & negMask) | (~sy & posMask));
    if (((bx >> 23) & 255) !== 255) {
      counts0[kx >>> 20]!++;
      sums0[kx >>> 20]! += Math.abs(x) * c + x * d;
    }
    if (((by >> 23) & 255) !== 255) {
      counts1[ky >>> 20]!++;
      sums1[ky >>> 20]! += Math.abs(y) * c + y * d;
    }
  }
  if (even < n) {
    const x = src[even]!;
    const bx = bits[even]!;
    const sx = bx >> 31;
    const kx = bx & 0x7fffffff & ((sx & negMask) | (~sx & posMask));
    if (((bx >> 23) & 255) !== 255) {
      counts0[kx >>> 20]!++;
      sums0[kx >>> 20]! += Math.abs(x) * c + x * d;
    }
  }
}

/**
 * Writes the magnitude keys (magnitude bits | 0x80000000, the signed key of the magnitude) whose
 * magnitude bits >>> shift equal `prefix` into `keys`; non-finite x skipped.
 */
export function collectMagnitudeKeysKernel(
  bits: Int32Array,
  negMask: number,
  posMask: number,
  shift: number,
  prefix: number,
  keys: Uint32Array,
): void {
  let m = 0;
  for (let i = 0; i < bits.length; i++) {
    const bx = bits[i]!;
    const sx = bx >> 31;
    const k = bx & 0x7fffffff & ((sx & negMask) | (~sx & posMask));
    if (k >>> shift === prefix && ((bx >> 23) & 255) !== 255) keys[m++] = k | 0x80000000;
  }
}

/**
 * Histogram of a sample of the magnitudes (bucket = magnitude bits >>> 20), for estimating where
 * a quantile lies; non-finite x skipped. The sample is a run of 16 consecutive values (one cache line)
 * from every `step` values, at a pseudo-random offset inside each step so that the runs do not
 * line up with the rows of an image.
 */
export function sampleHistogramKernel(
  src: Float32Array,
  bits: Int32Array,
  negMask: number,
  posMask: number,
  c: number,
  d: number,
  step: number,
  counts: Uint32Array,
  sums: Float64Array,
): void {
  const run = 16;
  const n = bits.length;
  const span = Math.max(1, step - run);
  for (let k = 0, start = 0; start < n; k++, start += step) {
    const from = start + ((Math.imul(k, 0x9e3779b1) >>> 8) % span);
    const end = Math.min(from + run, n);
    for (let i = from; i < end; i++) {
      const bx = bits[i]!;
      const sx = bx >> 31;
      const key = bx & 0x7fffffff & ((sx & negMask) | (~sx & posMask));
      if (((bx >> 23) & 255) === 255) continue;
      const x = src[i]!;
      counts[key >>> 20]!++;
      sums[key >>> 20]! += Math.abs(x) * c + x * d;
    }
  }
}

/**
 * One pass over all magnitudes m = c·|x| + d·x: their total, and the sum and count of those at or
 * above `low`, into `out[0]`, `out[1]`, `out[2]`; the ones in [low, high] are written to `band` (as
 * float32, so their bits are the magnitude bits). Returns how many are in the band (more than
 * `band` holds: it is full).
 *
 * The common case, a magnitude below the band, only adds to a register: the branch is taken for
 * the few values at or above the band, so it predicts well, where a branch-free comparison on the
 * float's bits costs several times more in V8 (it reads the map twice, as floats and as bits). A
 * non-finite value is not tested for: it makes the total NaN or Infinity (a finite total of float32
 * magnitudes cannot overflow), which the caller checks.
 */
export function bandKernel(
  src: Float32Array,
  c: number,
  d: number,
  low: number,
  high: number,
  band: Float32Array,
  out: Float64Array,
): number {
  let total = 0;
  let above = 0;
  let countAbove = 0;
  let m = 0;
  const capacity = band.length;
  for (let i = 0; i < src.length; i++) {
    const x = src[i]!;
    const v = Math.abs(x) * c + x * d;
    total += v;
    if (v >= low) {
      above += v;
      countAbove++;
      if (v <= high) {
        if (m < capacity) band[m] = v;
        m++;
      }
    }
  }
  out[0] = total;
  out[1] = above;
  out[2] = countAbove;
  return m;
}

/** Smallest v = a·|x| + b·x over `src` (NaN propagates). */
export function minValueKernel(src: Float32Array, a: number, b: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < src.length; i++) {
    const x = src[i]!;
    const v = Math.abs(x) * a + x * b;
    min = v < min || Number.isNaN(v) ? v : min;
  }
  return min;
}

/** Turns the bits of non-negative floats into their keys (see keyOf), in place. */
export function magnitudeKeysKernel(keys: Uint32Array): void {
  for (let i = 0; i < keys.length; i++) keys[i] = keys[i]! | 0x80000000;
}

/**
 * The bits in which some key differs from the first: 0 when all are equal (a constant map, or a
 * band of zeros), and then no level is needed. (Returned as is: a comparison after the loop would
 * deoptimize it, see the top of this file.)
 */
export function keyDifferencesKernel(keys: Uint32Array): number {
  const first = keys[0]!;
  let differ = 0;
  for (let i = 0; i < keys.length; i++) differ |= keys[i]! ^ first;
  return differ;
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

/**
 * Table entry of source value x: v = a·|x| + b·x scaled to t = (v − low) · 256 / span, then
 * floor(t) clamped to 0..255, NO_VALUE for NaN. The branches left are the rare ones (NaN, above
 * the top, far below); the common clamp at 0 is done with bits, since values scattered around 0
 * (positive or negative signs) would make a branch there mispredict half the time. One small
 * function, so that V8 inlines every call in the unrolled kernels (a call it does not inline
 * also boxes the double it passes).
 */
function entryOf(x: number, a: number, b: number, low: number, gain: number): number {
  const t = (Math.abs(x) * a + x * b - low) * gain;
  if (Number.isNaN(t)) return NO_VALUE;
  const k = (t > 255 ? 255 : t < -1e9 ? 0 : t) | 0;
  return k & ~(k >> 31);
}

// The linear kernels below handle four pixels per iteration (overlayLinearKernel two, so that V8
// still inlines its blend): V8 checks each typed array (its map, length and data pointer) once per
// iteration, which costs more than the arithmetic of one pixel.
// The n mod 4 pixels left over go first, so that nothing but `return` follows the main loop.

export function heatLinearKernel(
  src: Float32Array,
  a: number,
  b: number,
  words: Int32Array,
  table: Int32Array,
  low: number,
  gain: number,
): void {
  const n = src.length;
  let i = 0;
  for (; i < (n & 3); i++) words[i] = table[entryOf(src[i]!, a, b, low, gain)]!;
  for (; i < n; i += 4) {
    const k0 = entryOf(src[i]!, a, b, low, gain);
    const k1 = entryOf(src[i + 1]!, a, b, low, gain);
    const k2 = entryOf(src[i + 2]!, a, b, low, gain);
    const k3 = entryOf(src[i + 3]!, a, b, low, gain);
    words[i] = table[k0]!;
    words[i + 1] = table[k1]!;
    words[i + 2] = table[k2]!;
    words[i + 3] = table[k3]!;
  }
}

export function heatIndexedKernel(
  src: Float32Array,
  a: number,
  b: number,
  words: Int32Array,
  table: Int32Array,
  toIndex: (value: number) => number,
): void {
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    words[i] = table[toIndex(Math.abs(v) * a + v * b)]!;
  }
}

/**
 * One pixel of source-over compositing on packed little-endian RGBA words, red and blue in one
 * multiply, in int32 arithmetic: base + (top − base) · w / 256 per colour channel, alpha
 * ba + (255 − ba) · w / 256.
 */
function blendWord(b: number, t: number, w: number): number {
  const inv = 256 - w;
  const rb = ((Math.imul(t & 0xff00ff, w) + Math.imul(b & 0xff00ff, inv)) >>> 8) & 0xff00ff;
  const g = (((t & 0xff00) * w + (b & 0xff00) * inv) >>> 8) & 0xff00;
  const ba = b >>> 24;
  return rb | g | ((ba + (((255 - ba) * w) >>> 8)) << 24);
}

/**
 * The colormap premultiplied by the weight w, for {@link overlayLinearKernel}: entries 0..256 hold
 * red and blue (bytes 0 and 2) times w, entries 257.. green and alpha (bytes 1 and 3, shifted down
 * a byte) times w; each channel's product fits its 16 bits.
 */
export function premultipliedTable(table: Int32Array, w: number): Int32Array {
  const premultiplied = new Int32Array(2 * (NO_VALUE + 1));
  for (let k = 0; k <= NO_VALUE; k++) {
    premultiplied[k] = Math.imul(table[k]! & 0xff00ff, w);
    premultiplied[NO_VALUE + 1 + k] = Math.imul((table[k]! >>> 8) & 0xff00ff, w);
  }
  return premultiplied;
}

/**
 * Source-over of colormap entry k (premultiplied by w) on base pixel p, two channels per multiply:
 * (top · w + base · (256 − w)) / 256 per channel, which for alpha is pa + (255 − pa) · w / 256.
 * `| 0` keeps the sums in int32 (wrapping is exact: each channel's sum stays below 2^16).
 */
function blendPremultiplied(premultiplied: Int32Array, k: number, p: number, inv: number): number {
  const rb = (((premultiplied[k]! + Math.imul(p & 0xff00ff, inv)) | 0) >>> 8) & 0xff00ff;
  const ga = (premultiplied[NO_VALUE + 1 + k]! + Math.imul((p >>> 8) & 0xff00ff, inv)) & 0xff00ff00;
  return rb | ga;
}

/**
 * Heat map over `base` at weight w/256, colormap lookup and blend in one pass, with the colormap
 * premultiplied (see premultipliedTable); where there is no value the base pixel is kept.
 */
export function overlayLinearKernel(
  src: Float32Array,
  a: number,
  b: number,
  base: Int32Array,
  out: Int32Array,
  premultiplied: Int32Array,
  low: number,
  gain: number,
  w: number,
): void {
  const inv = 256 - w;
  const n = out.length;
  let i = 0;
  if (n & 1) {
    const k = entryOf(src[0]!, a, b, low, gain);
    out[0] = k === NO_VALUE ? base[0]! : blendPremultiplied(premultiplied, k, base[0]!, inv);
    i = 1;
  }
  // Two pixels per iteration: four would exceed how much V8 inlines into one function.
  for (; i < n; i += 2) {
    const k0 = entryOf(src[i]!, a, b, low, gain);
    const k1 = entryOf(src[i + 1]!, a, b, low, gain);
    const p0 = base[i]!;
    const p1 = base[i + 1]!;
    out[i] = k0 === NO_VALUE ? p0 : blendPremultiplied(premultiplied, k0, p0, inv);
    out[i + 1] = k1 === NO_VALUE ? p1 : blendPremultiplied(premultiplied, k1, p1, inv);
  }
}

/**
 * Source-over at weight 128/256 (alpha 0.5, the default) of an opaque colour t on pixel p: per
 * channel floor((t + p) / 2), which equals the general formula at w = 128, without multiplies.
 */
function blendHalf(t: number, p: number): number {
  return ((t & p) + ((((t ^ p) & 0xfefefefe) >>> 1) | 0)) | 0;
}

/** {@link overlayLinearKernel} at w = 128, blending with {@link blendHalf}. */
export function overlayHalfKernel(
  src: Float32Array,
  a: number,
  b: number,
  base: Int32Array,
  out: Int32Array,
  table: Int32Array,
  low: number,
  gain: number,
): void {
  const n = out.length;
  let i = 0;
  for (; i < (n & 3); i++) {
    const k = entryOf(src[i]!, a, b, low, gain);
    out[i] = k === NO_VALUE ? base[i]! : blendHalf(table[k]!, base[i]!);
  }
  for (; i < n; i += 4) {
    const k0 = entryOf(src[i]!, a, b, low, gain);
    const k1 = entryOf(src[i + 1]!, a, b, low, gain);
    const k2 = entryOf(src[i + 2]!, a, b, low, gain);
    const k3 = entryOf(src[i + 3]!, a, b, low, gain);
    const p0 = base[i]!;
    const p1 = base[i + 1]!;
    const p2 = base[i + 2]!;
    const p3 = base[i + 3]!;
    out[i] = k0 === NO_VALUE ? p0 : blendHalf(table[k0]!, p0);
    out[i + 1] = k1 === NO_VALUE ? p1 : blendHalf(table[k1]!, p1);
    out[i + 2] = k2 === NO_VALUE ? p2 : blendHalf(table[k2]!, p2);
    out[i + 3] = k3 === NO_VALUE ? p3 : blendHalf(table[k3]!, p3);
  }
}

export function overlayIndexedKernel(
  src: Float32Array,
  a: number,
  b: number,
  base: Int32Array,
  out: Int32Array,
  table: Int32Array,
  toIndex: (value: number) => number,
  w: number,
): void {
  for (let i = 0; i < out.length; i++) {
    const v = src[i]!;
    const k = toIndex(Math.abs(v) * a + v * b);
    out[i] = k === NO_VALUE || w === 0 ? base[i]! : blendWord(base[i]!, table[k]!, w);
  }
}

/** `top` over `base`, each pixel's weight `weights[top alpha]` / 256 (packed little-endian words). */
export function blendWordsKernel(
  base: Int32Array,
  top: Int32Array,
  out: Int32Array,
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

/** Runs the kernels with several results on one-element inputs (see the header). */
function warmUp(): void {
  const one = new Float32Array(1);
  const out = new Float64Array(3);
  // V8 allocates a function's feedback after a few calls, then records it.
  for (let i = 0; i < 16; i++) {
    extentKernel(one, out);
    bandKernel(one, 1, 0, 0, 1, new Float32Array(1), out);
  }
}
warmUp();

// The counter-hash generator: deterministic pseudo-random float32 values from a tensor name and an
// element index, computed identically here and in tools/autodiff_matrix.py (which fills the
// PyTorch models' parameters with it before export, then commits the graphs without their data).
// Plain JavaScript with a .d.mts, so that TypeScript tests and the Node benchmarks share it.

const encoder = new TextEncoder();

/** FNV-1a over the UTF-8 bytes of `text`, as an unsigned 32-bit integer. */
export function fnv1a32(text) {
  let h = 0x811c9dc5;
  for (const b of encoder.encode(text)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** Chris Wellons' lowbias32 integer hash. */
export function lowbias32(x) {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * `n` float32 values `offset + scale·(2u − 1)` with u = lowbias32(fnv1a32(name) + j·0x9E3779B9) / 2³²
 * for element j: uniform in [offset − scale, offset + scale).
 */
export function counterHash(name, n, offset, scale) {
  const seed = fnv1a32(name);
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const u = lowbias32((seed + Math.imul(j, 0x9e3779b9)) >>> 0) / 4294967296;
    out[j] = offset + scale * (2 * u - 1);
  }
  return out;
}

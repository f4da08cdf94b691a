/** FNV-1a over the UTF-8 bytes of `text`, as an unsigned 32-bit integer. */
export function fnv1a32(text: string): number;
/** Chris Wellons' lowbias32 integer hash. */
export function lowbias32(x: number): number;
/**
 * `n` float32 values `offset + scale·(2u − 1)` with u = lowbias32(fnv1a32(name) + j·0x9E3779B9) / 2³²
 * for element j: uniform in [offset − scale, offset + scale).
 */
export function counterHash(name: string, n: number, offset: number, scale: number): Float32Array;

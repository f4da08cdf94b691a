/** Cosine similarity and relative L2 error of `a` against the reference `b`. */
export function compare(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { cosine: number; relL2: number } {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let diff = 0;
  for (let i = 0; i < b.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
    diff += (a[i]! - b[i]!) ** 2;
  }
  return { cosine: dot / Math.sqrt(na * nb), relL2: Math.sqrt(diff / nb) };
}

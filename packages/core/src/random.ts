/**
 * A small seeded pseudo-random generator, so that every stochastic method (SmoothGrad noise,
 * dream jitter) is reproducible given a seed. Not cryptographic.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (mean 0, standard deviation 1), Box–Muller. */
  normal(): number;
}

/**
 * Creates a generator from a 32-bit seed (mulberry32). The same seed always yields the same
 * sequence on every platform.
 * @example
 * const rng = createRng(42);
 * const u = rng.next(); // in [0, 1)
 * const z = rng.normal(); // ~ N(0, 1)
 */
export function createRng(seed: number): Rng {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  let spare: number | undefined;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
  return { next, normal };
}

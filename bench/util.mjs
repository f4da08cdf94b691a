import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** FV_MODELS_DIR, else ../shared/models next to the repository, when it exists. */
export function modelsDir() {
  const env = process.env.FV_MODELS_DIR;
  const dir = env
    ? isAbsolute(env)
      ? env
      : resolve(repoRoot, env)
    : resolve(repoRoot, '..', 'shared', 'models');
  return existsSync(dir) && statSync(dir).isDirectory() ? dir : undefined;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summarize(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** Deterministic input used by every benchmark and peer: x[i] = sin(i) · 0.5. */
export function sinInput(n) {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
}

/**
 * Warm-up once, then `reps` rounds of every variant in turn (interleaved so that machine noise
 * hits all alike). With `budgetMs`, fast variants get more rounds: as many as fit in that time at
 * the first timed round's pace (at least `reps`, at most `maxReps`), so that medians of
 * millisecond-scale runs rest on enough samples. Returns the times in ms per variant.
 */
export async function interleave(variants, reps, { budgetMs, maxReps = 101 } = {}) {
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const run of Object.values(variants)) await run();
  let rounds = reps;
  for (let r = 0; r < rounds; r++) {
    const r0 = performance.now();
    for (const [k, run] of Object.entries(variants)) {
      const t0 = performance.now();
      const ms = await run();
      // A variant may report its own time (a peer process timing its call itself).
      times[k].push(typeof ms === 'number' ? ms : performance.now() - t0);
    }
    if (r === 0 && budgetMs) {
      const pace = performance.now() - r0;
      rounds = Math.max(reps, Math.min(maxReps, Math.floor(budgetMs / pace)));
    }
  }
  return times;
}

/**
 * Median over rounds of a[i] / b[i]: the ratio of two variants timed in the same round, robust
 * to load that changes between rounds (both sides of a pair see the same machine).
 */
export function pairedRatio(a, b) {
  return median(a.map((x, i) => x / b[i]));
}

/** Cosine similarity and relative L2 error of `a` against the reference `b`. */
export function compare(a, b) {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  let dd = 0;
  for (let i = 0; i < b.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
    dd += (a[i] - b[i]) ** 2;
  }
  return { cosine: ab / Math.sqrt(aa * bb), relErr: Math.sqrt(dd / bb) };
}

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

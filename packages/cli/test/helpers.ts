// Runs the built `fv` (packages/cli/dist/cli.js) as a subprocess, as a user would.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const cliPath = join(repoRoot, 'packages/cli/dist/cli.js');
export const defaultModelDir = join(repoRoot, 'models/default');
export const defaultModel = join(defaultModelDir, 'shapes10.onnx');
export const samplesDir = join(defaultModelDir, 'samples');
export const heldoutDir = join(defaultModelDir, 'heldout');
/** The default vision transformer, a Hugging Face model folder. */
export const vitModel = join(repoRoot, 'models/vit');
export const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface FvRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node packages/cli/dist/cli.js ...args`, with `env` added to the environment; never rejects. */
export function fv(
  args: readonly string[],
  timeoutMs = 240_000,
  env: Readonly<Record<string, string>> = {},
): Promise<FvRun> {
  if (!existsSync(cliPath)) {
    throw new Error(`${cliPath} is missing: run 'pnpm build' first (npm test does)`);
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      {
        cwd: repoRoot,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, FV_NO_PROGRESS: '1', ...env },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'fv-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The shared models folder (`FV_MODELS_DIR`, relative to the repository root, else
 * `../shared/models` next to it), or `undefined` when absent.
 */
export function modelsDir(): string | undefined {
  const fromEnv = process.env.FV_MODELS_DIR;
  const dir = fromEnv ? resolve(repoRoot, fromEnv) : resolve(repoRoot, '..', 'shared', 'models');
  return existsSync(dir) ? dir : undefined;
}

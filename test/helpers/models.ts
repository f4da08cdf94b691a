// Shared pretrained models live outside the repository (they are large). Tests that need them use
// `describeWithModels`, which skips with a clear message when the folder is absent: the one
// allowed skip in this test suite.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The shared models folder: `FV_MODELS_DIR` when set (relative paths resolve against the
 * repository root), otherwise `../shared/models` next to the repository when that folder exists.
 * `undefined` when there is none.
 */
export function modelsDir(): string | undefined {
  const fromEnv = process.env.FV_MODELS_DIR;
  const candidate = fromEnv
    ? isAbsolute(fromEnv)
      ? fromEnv
      : resolve(repoRoot, fromEnv)
    : resolve(repoRoot, '..', 'shared', 'models');
  return existsSync(candidate) && statSync(candidate).isDirectory() ? candidate : undefined;
}

/**
 * `describe` when the shared models folder exists, otherwise `describe.skip` with a console
 * message naming the folder that was looked for and how to provide it.
 */
export function describeWithModels(name: string, fn: (dir: string) => void): void {
  const dir = modelsDir();
  if (dir) {
    describe(name, () => fn(dir));
    return;
  }
  const looked = process.env.FV_MODELS_DIR ?? resolve(repoRoot, '..', 'shared', 'models');
  console.warn(
    `fv: skipping "${name}": shared models folder ${looked} is absent (set FV_MODELS_DIR to a folder of ONNX models)`,
  );
  describe.skip(name, () => {
    test(`needs the shared models folder (${looked})`, () => {});
  });
}

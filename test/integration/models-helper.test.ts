import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { modelsDir } from '../helpers/models.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const saved = process.env.FV_MODELS_DIR;

afterEach(() => {
  if (saved === undefined) delete process.env.FV_MODELS_DIR;
  else process.env.FV_MODELS_DIR = saved;
});

describe('modelsDir', () => {
  test('uses FV_MODELS_DIR when it names a folder, absolute or relative to the repo root', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fv-models-'));
    try {
      process.env.FV_MODELS_DIR = dir;
      expect(modelsDir()).toBe(dir);
      process.env.FV_MODELS_DIR = relative(repoRoot, dir);
      expect(modelsDir()).toBe(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('is undefined when FV_MODELS_DIR names a folder that does not exist', () => {
    process.env.FV_MODELS_DIR = join(tmpdir(), 'fv-no-such-models-folder');
    expect(modelsDir()).toBeUndefined();
  });
});

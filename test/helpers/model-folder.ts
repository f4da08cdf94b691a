// The DeiT-style Hugging Face / transformers.js test folder (test/fixtures/vit-saliency/deit:
// shortest-edge resize to 72, centre crop 64, id2label) and edited copies of it, for the tests of
// model-folder loading in the runtime and the CLI.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The test folder's path. */
export const deitFolder = fileURLToPath(new URL('../fixtures/vit-saliency/deit', import.meta.url));

/** The test folder's labels, by class index (its config.json's id2label). */
export const deitLabels: readonly string[] = Object.values(
  JSON.parse(readFileSync(join(deitFolder, 'config.json'), 'utf8')).id2label as Record<
    string,
    string
  >,
);

/**
 * A copy of the test folder at `scratch/name` with `edit` applied: each file (relative path) is
 * written with the given text, or removed for `null`.
 */
export function folderVariant(
  scratch: string,
  name: string,
  edit: Readonly<Record<string, string | null>>,
): string {
  const dir = join(scratch, name);
  cpSync(deitFolder, dir, { recursive: true });
  for (const [file, text] of Object.entries(edit)) {
    if (text === null) rmSync(join(dir, file));
    else writeFileSync(join(dir, file), text);
  }
  return dir;
}

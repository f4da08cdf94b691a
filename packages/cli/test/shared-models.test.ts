// The README's commands on a real model: MobileNetV2 with chelsea.png from the shared models
// folder (skipped, with a message naming the folder, when it is absent).
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fv, modelsDir } from './helpers.js';

const dir = modelsDir();
if (!dir) {
  console.warn(
    'fv: skipping the CLI on MobileNetV2: shared models folder absent (set FV_MODELS_DIR or add ../shared/models)',
  );
}

describe.skipIf(!dir)('fv on MobileNetV2 (shared models)', () => {
  test('classify chelsea.png with --preset tf-mobilenet and --labels: Egyptian cat', {
    timeout: 240_000,
  }, async () => {
    const d = dir as string;
    const r = await fv([
      'classify',
      join(d, 'imagenet/mobilenet_v2_1.0_224.onnx'),
      join(d, 'images/chelsea.png'),
      '--preset',
      'tf-mobilenet',
      '--labels',
      join(d, 'imagenet/imagenet_labels_1001.txt'),
      '--json',
    ]);
    expect(r.stderr).toBe('');
    const [result] = JSON.parse(r.stdout) as {
      top: { index: number; label: string; probability: number }[];
    }[];
    expect(result!.top[0]).toMatchObject({ index: 286, label: 'Egyptian cat' });
    expect(result!.top[0]!.probability).toBeGreaterThan(0.6);
  });
});

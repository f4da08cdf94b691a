// The Vision Transformer the benchmarks build in code (bench/vit.mjs): a well-formed model that
// onnxruntime runs, whose token structure fv reads and whose gradient agrees with finite
// differences (a ViT built independently of the PyTorch exports in the goldens).
import { inspectModel } from '@fv/autodiff';
import { expect, test } from 'vitest';
import { buildVit, vitTiny } from '../../bench/vit.mjs';
import { gradCheck } from '../../packages/autodiff/test/helpers/gradcheck.js';
import { randomArray } from '../../packages/autodiff/test/helpers/onnx-model.js';

test('the bench ViT: tokens, attention and a gradient that matches finite differences', async () => {
  const bytes = vitTiny();
  const info = inspectModel(bytes);
  expect(info.tokens).toMatchObject({
    length: 17,
    channels: 64,
    prefix: ['class'],
    rows: 4,
    cols: 4,
  });
  expect(info.attention.map((a) => [a.dims, a.heads])).toEqual([
    [[1, 4, 17, 17], 4],
    [[1, 4, 17, 17], 4],
  ]);
  const r = await gradCheck(bytes, {
    objective: { kind: 'logit', output: 'logits' },
    input: { name: 'input', data: randomArray(3 * 32 * 32, 3, -1, 1), dims: [1, 3, 32, 32] },
  });
  expect(r.alongGradientError).toBeLessThan(1e-2);
  expect(r.worstRelError).toBeLessThan(2e-2);
  // The ViT-B/16 configuration is the same builder at 224×224 with 16-pixel patches.
  expect(() =>
    buildVit({ image: 48, patch: 16, layers: 1, hidden: 24, heads: 2, mlp: 32, classes: 3 }),
  ).not.toThrow();
});

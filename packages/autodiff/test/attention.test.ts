// inspectModel's token structure on the export-matrix goldens (torchvision's ViT and a DeiT-style
// ViT through nn.MultiheadAttention, Swin's windows, a MobileViT-style hybrid, CNNs), each export
// as the architecture defines it: 32×32 inputs, 8×8 patches (a 4×4 grid), 2 heads, class token
// (and distillation token for DeiT) first.
import { describe, expect, it } from 'vitest';
import { loadMatrixModel, matrixCases } from '../../../test/helpers/matrix-goldens.js';
import { inspectModel } from '../src/index.js';

const inspect = (name: string) =>
  matrixCases()
    .filter((c) => c.model.name === name)
    .map(({ variant }) => ({
      variant: variant.name,
      batch: variant.input.dims[0]!,
      inspection: inspectModel(loadMatrixModel(variant), {
        inputShapes: { [variant.input.name]: variant.input.dims },
      }),
    }));

describe('token structure', () => {
  it.each([
    ['vit', ['class']],
    ['deit', ['class', 'distillation']],
  ] as const)(
    '%s: one attention per block over the class tokens and the 4×4 patch grid',
    (name, prefix) => {
      for (const { variant, batch, inspection } of inspect(name)) {
        expect(inspection.attention, variant).toHaveLength(2);
        for (const a of inspection.attention) {
          expect(a.tokens, variant).toMatchObject({ rows: 4, cols: 4, length: 16 + prefix.length });
          expect(a.tokens?.prefix, variant).toEqual(prefix);
          // nn.MultiheadAttention merges heads into the batch: [batch · 2, T, T].
          expect([a.headAxis, a.heads, a.dims[0]], variant).toEqual([0, 2, 2 * batch]);
        }
        // The residual stream [batch, T, 32] is read as tokens.
        const stream = inspection.layers.filter(
          (l) => l.layout?.kind === 'tokens' && l.layout.channels === 32,
        );
        expect(stream.length, variant).toBeGreaterThan(4);
      }
    },
  );

  it.each(['swin', 'mobilevit'])('%s: attention within windows has no image tokens', (name) => {
    for (const { variant, inspection } of inspect(name)) {
      expect(inspection.attention.length, variant).toBeGreaterThan(0);
      expect(
        inspection.attention.every((a) => a.tokens === null),
        variant,
      ).toBe(true);
    }
  });

  it('swin: its channels-last stage outputs are grids with the channels last', () => {
    for (const { variant, inspection } of inspect('swin')) {
      const grids = inspection.layers.filter(
        (l) => l.layout?.kind === 'grid' && l.layout.channelAxis === 3,
      );
      expect(grids.map((l) => l.layout).map((l) => [l!.kind === 'grid' && l!.rows])).toContainEqual(
        [8],
      );
      expect(grids.length, variant).toBeGreaterThan(10);
    }
  });

  it.each(['convnext', 'efficientnet_v2', 'regnet', 'googlenet', 'inception_v3'])(
    '%s: a CNN has no attention and keeps its plain layers',
    (name) => {
      for (const { variant, inspection } of inspect(name)) {
        expect(inspection.attention, variant).toEqual([]);
        expect(
          inspection.layers.some((l) => l.layout),
          variant,
        ).toBe(false);
      }
    },
  );
});

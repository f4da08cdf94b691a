// `fv` end to end on vision transformers: the ViT (opset 13, static) and Swin (opset 17, free batch,
// height and width) goldens of tools/autodiff_matrix.py, their parameters filled from the
// counter-hash generator. `fv inspect` reports the token structure and attention; `fv grad` (a
// layer objective on a transformer block, and the ViT's class logit) and `fv saliency` (vanilla, on
// a PNG; references from tools/transformer_cli_fixtures.py) match PyTorch autograd; `fv dream`
// (octaves: a gradient model per size) and `fv visualize` run on a block's output and write their
// pictures.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePng } from '@fv/viz';
import { beforeAll, describe, expect, test } from 'vitest';
import { compare } from '../../../test/helpers/compare.js';
import {
  loadMatrixModel,
  type MatrixVariant,
  matrixInput,
  matrixManifest,
  matrixReference,
} from '../../../test/helpers/matrix-goldens.js';
import { readNpy, writeNpy } from '../src/npy.js';
import { fv, tempDir } from './helpers.js';

const T = 240_000;
const fixtures = fileURLToPath(new URL('../../../test/fixtures/transformer-cli/', import.meta.url));
const cli = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')) as {
  image: string;
  config: Record<string, unknown>;
  models: {
    name: string;
    variant: string;
    data: string;
    top: number;
    score: number;
    layout: Record<'logits' | 'grad', { offset: number; length: number; dims: number[] }>;
  }[];
};
const image = join(fixtures, cli.image);

function variant(model: string, name: string): MatrixVariant {
  return matrixManifest.models
    .find((m) => m.name === model)!
    .variants.find((v) => v.name === name)!;
}

/** A float32 reference of tools/transformer_cli_fixtures.py. */
function cliReference(model: string, key: 'logits' | 'grad'): Float32Array {
  const m = cli.models.find((x) => x.name === model)!;
  const slot = m.layout[key];
  const bytes = readFileSync(join(fixtures, m.data)).subarray(
    slot.offset,
    slot.offset + slot.length,
  );
  return new Float32Array(new Uint8Array(bytes).buffer);
}

function expectAgreement(actual: ArrayLike<number>, reference: ArrayLike<number>): void {
  const { cosine, relL2 } = compare(actual, reference);
  expect(cosine).toBeGreaterThan(0.9998);
  // GELU and no ReLU: far below the 2e-2.
  expect(relL2).toBeLessThan(1e-4);
}

const cases = cli.models.map((m) => ({
  name: m.name === 'vit' ? 'ViT' : 'Swin',
  model: m.name,
  variant: variant(m.name, m.variant),
  top: m.top,
  score: m.score,
}));

/** The run's JSON output, after checking it succeeded. */
function json(r: { code: number; stdout: string; stderr: string }) {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe.each(cases)('fv on the $name golden', ({ model, variant: v, top, score }) => {
  let dir: string;
  let file: string;
  const layer = v.objectives.layer.tensor;
  beforeAll(() => {
    dir = tempDir('fv-transformer-');
    file = join(dir, `${model}.onnx`);
    writeFileSync(file, loadMatrixModel(v));
    // torchvision normalization at the size the goldens were made for (the Swin export leaves
    // it free).
    writeFileSync(join(dir, `${model}.fv.json`), JSON.stringify(cli.config));
  });

  test('inspect: the token structure and the attention maps', async () => {
    const info = json(await fv(['inspect', file, '--json']));
    const target = info.layers.find((l: { name: string }) => l.name === layer);
    if (model === 'vit') {
      // A class token, then a 4×4 grid of 8×8-pixel patches, hidden size 32.
      expect(info.tokens).toMatchObject({
        length: 17,
        channels: 32,
        prefix: ['class'],
        rows: 4,
        cols: 4,
        cell: [8, 8],
      });
      expect(target.layout).toEqual(info.tokens);
      // Heads merged into the batch axis: [batch · heads, queries, keys].
      expect(info.attention).toHaveLength(2);
      expect(info.attention[0]).toMatchObject({ dims: [2, 17, 17], heads: 2 });
      expect(info.attention[0].tokens).toMatchObject({ length: 17, prefix: ['class'] });
    } else {
      // At the config's 32×32: channels-last grids; stage 1's attention within 4×4-token windows.
      expect(info.tokens).toBeNull();
      expect(target.layout).toMatchObject({ kind: 'grid', channelAxis: 3, rows: 8, cols: 8 });
      expect(info.attention).toHaveLength(4);
      expect(info.attention[0]).toMatchObject({ dims: [4, 2, 16, 16], tokens: null });
    }
  });

  test('grad: input gradients equal PyTorch autograd', { timeout: T }, async () => {
    const x = join(dir, 'x.npy');
    const input = matrixInput(v);
    writeFileSync(x, writeNpy({ data: input.data, shape: input.dims }));
    // The layer objective on a transformer block's output (both); the class logit where the
    // golden has one class for the whole batch (the ViT's batch of 1; Swin's logit gradient is
    // checked through saliency below).
    const runs: [string[], 'layerGrad' | 'logitGrad'][] = [[['--layer', layer], 'layerGrad']];
    if (v.seedClasses.length === 1)
      runs.push([['--target', String(v.seedClasses[0])], 'logitGrad']);
    for (const [flags, key] of runs) {
      const g = join(dir, `${key}.npy`);
      json(await fv(['grad', file, '--input', x, ...flags, '--out', g, '--json']));
      const grad = readNpy(new Uint8Array(readFileSync(g)));
      expect(grad.shape).toEqual(v.input.dims);
      expectAgreement(grad.data, matrixReference(v, key));
    }
  });

  test('saliency: the vanilla map of a PNG equals PyTorch', { timeout: T }, async () => {
    const out = join(dir, 'saliency.png');
    const [result] = json(
      await fv(['saliency', file, image, '--out', out, '--save-npy', '--json']),
    );
    expect(result.target).toBe(top);
    expect(result.score).toBeCloseTo(score, 4);
    const reference = cliReference(model, 'grad');
    const attribution = readNpy(new Uint8Array(readFileSync(result.files.attribution)));
    expect(attribution.shape).toEqual([1, 3, 32, 32]);
    expectAgreement(attribution.data, reference);
    // The map: max over channels of |∂score/∂I|.
    const maps = readNpy(new Uint8Array(readFileSync(result.files.maps)));
    expect(maps.shape).toEqual([3, 32, 32]);
    const plane = 32 * 32;
    const expected = Array.from({ length: plane }, (_, i) =>
      Math.max(...[0, 1, 2].map((c) => Math.abs(reference[c * plane + i]!))),
    );
    expectAgreement(maps.data.subarray(0, plane), expected);
    expect(decodePng(new Uint8Array(readFileSync(out))).width).toBeGreaterThan(0);
  });

  test('dream: a transformer block, octaves on the free-size export', { timeout: T }, async () => {
    const out = join(dir, 'dream.png');
    // The ViT's position embeddings fix its input at 32×32: one octave.
    const octaves =
      model === 'vit' ? ['--octaves', '1', '--resize', '32'] : ['--octaves', '2', '--resize', '40'];
    const r = json(
      await fv([
        'dream',
        file,
        image,
        '--layer',
        layer,
        ...octaves,
        '--steps',
        '2',
        '--out',
        out,
        '--json',
      ]),
    );
    expect(r.width).toBe(model === 'vit' ? 32 : 40);
    const png = decodePng(new Uint8Array(readFileSync(out)));
    expect([png.width, png.height]).toEqual([r.width, r.height]);
  });

  test('visualize: a channel of a transformer block', { timeout: T }, async () => {
    const out = join(dir, 'unit.png');
    json(
      await fv([
        'visualize',
        file,
        '--layer',
        layer,
        '--channel',
        '5',
        '--size',
        '32',
        '--steps',
        '2',
        '--out',
        out,
        '--json',
      ]),
    );
    const png = decodePng(new Uint8Array(readFileSync(out)));
    expect([png.width, png.height]).toEqual([32, 32]);
  });
});

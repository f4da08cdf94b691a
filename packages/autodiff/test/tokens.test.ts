// Where tensors sit on the image (inspectModel's `layout`, `tokens`, `attention`), on the export
// matrix goldens. Besides the expected structures (class and distillation tokens, patch grids,
// channels-last Swin stages, attention maps), the token and grid placements are checked against
// the models themselves: changing the pixels of one cell changes exactly that cell's token.
import { describe, expect, it } from 'vitest';
import {
  loadMatrixModel,
  type MatrixVariant,
  matrixInput,
  matrixManifest,
} from '../../../test/helpers/matrix-goldens.js';
import {
  appendGraphOutputs,
  buildGradientModel,
  type ImageLayout,
  type InspectedLayer,
  inspectModel,
} from '../src/index.js';
import { buildModel, randomArray } from './helpers/onnx-model.js';
import { run } from './helpers/ort.js';

function variant(model: string, name: string): MatrixVariant {
  const m = matrixManifest.models.find((x) => x.name === model)!;
  return m.variants.find((v) => v.name === name)!;
}

function inspect(model: string, name = 'opset13') {
  const v = variant(model, name);
  const bytes = loadMatrixModel(v);
  return { v, bytes, info: inspectModel(bytes, { inputShapes: { input: v.input.dims } }) };
}

/** The flat offsets of the tensor's elements at grid cell (r, c) (or its patch token). */
function cellOffsets(l: ImageLayout, dims: readonly number[], r: number, c: number): Set<number> {
  const at = (coords: number[]) => coords.reduce((o, x, i) => o * dims[i]! + x, 0);
  const out = new Set<number>();
  const total = dims.reduce((p, q) => p * q, 1);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    const coords = dims.map(() => 0);
    for (let i = dims.length - 1; i >= 0; i--) {
      coords[i] = rest % dims[i]!;
      rest = Math.floor(rest / dims[i]!);
    }
    const hit =
      l.kind === 'grid'
        ? coords[l.rowAxis] === r && coords[l.colAxis] === c
        : coords[l.tokenAxis] === l.prefix.length + r * l.cols + c;
    if (hit) out.add(at(coords));
  }
  return out;
}

/**
 * Perturbs the input pixels of cell (r, c) and checks that `layer` changes exactly at the
 * elements its layout places on that cell (the layer must come before any mixing of tokens).
 */
async function checkPlacement(
  v: MatrixVariant,
  bytes: Uint8Array,
  layer: InspectedLayer,
  r: number,
  c: number,
): Promise<void> {
  const l = layer.layout!;
  const withLayer = appendGraphOutputs(bytes, [{ name: layer.name }]);
  const input = matrixInput(v);
  const [, , h, w] = input.dims as [number, number, number, number];
  const moved = Float32Array.from(input.data);
  const [ch, cw] = l.cell;
  for (let k = 0; k < 3; k++)
    for (let y = r * ch; y < (r + 1) * ch; y++)
      for (let x = c * cw; x < (c + 1) * cw; x++) moved[(k * h + y) * w + x]! += 0.5;
  const a = (await run(withLayer, { input }, [layer.name]))[layer.name]!;
  const b = (await run(withLayer, { input: { data: moved, dims: input.dims } }, [layer.name]))[
    layer.name
  ]!;
  const changed = new Set<number>();
  a.data.forEach((x, i) => {
    if (Math.abs(x - b.data[i]!) > 1e-6) changed.add(i);
  });
  expect(changed.size).toBeGreaterThan(0);
  expect([...changed].every((i) => cellOffsets(l, a.dims, r, c).has(i))).toBe(true);
}

describe('inspectModel: where tensors sit on the image', () => {
  it('ViT: a class token then a 4×4 grid of 8×8-pixel patches; attention over those tokens', async () => {
    for (const name of ['opset13', 'opset17_dynamic', 'opset11']) {
      const { v, bytes, info } = inspect('vit', name);
      expect(info.tokens).toEqual({
        kind: 'tokens',
        tokenAxis: 1,
        channelAxis: 2,
        length: 17,
        channels: 32,
        prefix: ['class'],
        suffix: 0,
        rows: 4,
        cols: 4,
        cell: [8, 8],
      });
      const block = info.layers.find((l) => l.name === v.objectives.layer.tensor)!;
      expect(block.layout).toEqual(info.tokens);
      const batch = v.input.dims[0]!;
      expect(info.attention.map((a) => [a.dims, a.heads, a.headAxis, a.tokens?.length])).toEqual([
        [[2 * batch, 17, 17], 2, 0, 17],
        [[2 * batch, 17, 17], 2, 0, 17],
      ]);
      for (const a of info.attention)
        expect(info.layers.find((l) => l.name === a.tensor)?.opType).toBe('Softmax');
      if (name === 'opset13') {
        // The encoder input (tokens plus position embeddings): no token has seen another yet.
        const first = info.layers.find(
          (l) => l.layout?.kind === 'tokens' && l.layout.prefix.length,
        )!;
        await checkPlacement(v, bytes, first, 1, 2);
      }
    }
  });

  it('DeiT: class and distillation tokens before the patches', () => {
    const { info } = inspect('deit');
    expect(info.tokens).toMatchObject({
      length: 18,
      prefix: ['class', 'distillation'],
      rows: 4,
      cols: 4,
    });
    expect(info.attention).toHaveLength(2);
  });

  it('Swin: channels-last grids per stage (4- then 8-pixel cells), attention within windows', async () => {
    const { v, bytes, info } = inspect('swin');
    expect(info.tokens).toBeNull();
    const stage1 = info.layers.find((l) => l.name === v.objectives.layer.tensor)!;
    expect(stage1.layout).toEqual({
      kind: 'grid',
      rowAxis: 1,
      colAxis: 2,
      channelAxis: 3,
      rows: 8,
      cols: 8,
      channels: 16,
      cell: [4, 4],
    });
    expect(
      info.layers.some(
        (l) => l.layout?.kind === 'grid' && l.layout.rows === 4 && l.layout.cell[0] === 8,
      ),
    ).toBe(true);
    // Stage 1: 4 windows × 2 heads × 16 tokens; stage 2: one window, 4 heads — at this size the
    // window is the whole 4×4 grid (and unshifted), so that attention runs over the grid's tokens.
    const grid4 = { kind: 'tokens', rows: 4, cols: 4, length: 16, prefix: [], cell: [8, 8] };
    expect(info.attention.map((a) => [a.dims, a.heads, a.tokens])).toEqual([
      [[4, 2, 16, 16], 2, null],
      [[4, 2, 16, 16], 2, null],
      [[1, 4, 16, 16], 4, expect.objectContaining(grid4)],
      [[1, 4, 16, 16], 4, expect.objectContaining(grid4)],
    ]);
    const embedded = info.layers.find(
      (l) => l.layout?.kind === 'grid' && l.layout.channelAxis === 3,
    )!;
    await checkPlacement(v, bytes, embedded, 2, 5);
  });

  it('MobileViT: convolution grids; attention over tokens merged into the batch', () => {
    const { v, info } = inspect('mobilevit');
    expect(info.tokens).toBeNull();
    expect(info.layers.find((l) => l.name === v.objectives.layer.tensor)?.layout).toBeUndefined();
    // Two transformer layers per MobileViT block: 4×4 patches of 2×2, then 2×2 of them.
    expect(info.attention.map((a) => [a.dims.at(-1), a.tokens])).toEqual([
      [16, null],
      [16, null],
      [4, null],
      [4, null],
    ]);
  });

  it('CNNs: NCHW grids whose cells grow with the stride, through transform_input', async () => {
    const { v, info } = inspect('googlenet');
    expect(info.tokens).toBeNull();
    expect(info.attention).toEqual([]);
    const block = info.layers.find((l) => l.name === v.objectives.layer.tensor)!;
    expect(block.layout).toMatchObject({ kind: 'grid', rowAxis: 2, colAxis: 3, channelAxis: 1 });
    const l = block.layout as Extract<ImageLayout, { kind: 'grid' }>;
    expect(l.cell).toEqual([40 / l.rows, 40 / l.cols]);
    const stem = info.layers.find((x) => x.opType === 'Conv')!;
    expect(stem.layout).toMatchObject({ rows: 20, cols: 20, cell: [2, 2] });
  });

  it('places channel and neuron objectives on patch tokens and channels-last maps', async () => {
    for (const [model, channel] of [
      ['vit', 5],
      ['swin', 3],
    ] as const) {
      const { v, bytes } = inspect(model);
      const tensor = v.objectives.layer.tensor;
      const input = matrixInput(v);
      const a = (await run(appendGraphOutputs(bytes, [{ name: tensor }]), { input }, [tensor]))[
        tensor
      ]!;
      // Expected values by definition: channel c averaged over the patch grid (class token left
      // out), and channel c at grid position (1, 2).
      const at = (row: number, col: number) =>
        model === 'vit'
          ? a.data[(1 + row * 4 + col) * a.dims[2]! + channel]!
          : a.data[(row * a.dims[2]! + col) * a.dims[3]! + channel]!;
      const [rows, cols] = model === 'vit' ? [4, 4] : [a.dims[1]!, a.dims[2]!];
      let mean = 0;
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) mean += at(r, c) / (rows * cols);
      for (const [objective, expected] of [
        [{ kind: 'channel', tensor, channel }, mean],
        [{ kind: 'neuron', tensor, channel, y: 1, x: 2 }, at(1, 2)],
      ] as const) {
        const gm = buildGradientModel(bytes, { objective, inputShapes: { input: v.input.dims } });
        const out = await run(gm.bytes, { input }, [gm.valueOutput, gm.gradientOutputs.input!]);
        expect(out[gm.valueOutput]!.data[0]).toBeCloseTo(expected, 5);
        expect(out[gm.gradientOutputs.input!]!.data.some((g) => g !== 0)).toBe(true);
      }
    }
  });

  it('needs a static height and width; a free batch dim alone is fine', () => {
    const v = variant('vit', 'opset17_dynamic');
    const info = inspectModel(loadMatrixModel(v));
    expect(info.tokens).toBeNull();
    expect(info.layers.every((l) => l.layout === undefined)).toBe(true);
    const conv = buildModel({
      inputs: [{ name: 'x', dims: ['N', 3, 8, 8] }],
      outputs: [{ name: 'y', dims: ['N', 4, 4, 4] }],
      floatInits: [{ name: 'w', dims: [4, 3, 2, 2], data: randomArray(48, 1) }],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { strides: { ints: [2, 2] } } },
      ],
    });
    const layer = inspectModel(conv).layers[0]!;
    expect(layer.dims).toEqual(['N', 4, 4, 4]);
    expect(layer.layout).toEqual({
      kind: 'grid',
      rowAxis: 2,
      colAxis: 3,
      channelAxis: 1,
      rows: 4,
      cols: 4,
      channels: 4,
      cell: [2, 2],
    });
  });
});

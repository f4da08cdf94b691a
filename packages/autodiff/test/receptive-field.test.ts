// Receptive fields from the graph against the footprint measured by onnxruntime: every input pixel
// is perturbed in turn (one batch item each, forward passes only, so no gradient rule is
// involved), and a layer position's footprint is the set of pixels whose perturbation changed it.
// All weights are positive and the input is constant, so every pixel a position depends on does
// change it (pools included: a raised pixel raises its window's max or mean).
import { readFileSync } from 'node:fs';
import { isFvError, type ReceptiveField, receptiveRegion } from '@fv/core';
import { describe, expect, it } from 'vitest';
import { describeWithModels } from '../../../test/helpers/models.js';
import { buildGradientModel, receptiveField } from '../src/index.js';
import { run } from './helpers/ort.js';
import { node, type TinyNode, tinyModel } from './helpers/tiny-model.js';

const ones = (n: number) => new Float32Array(n).fill(1);
const weights = (out: number, inC: number, k: number, kw = k) => ({
  dims: [out, inC, k, kw],
  data: ones(out * inC * k * kw),
});

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Per NCHW layer position, the bounding box of the input pixels it depends on. */
async function footprints(
  model: Uint8Array,
  layer: string,
  dims: readonly [number, number, number, number],
  layout: 'NCHW' | 'NHWC' = 'NCHW',
): Promise<{ boxes: (Box | undefined)[]; height: number; width: number }> {
  const [, a, b, c] = dims;
  const [channels, h, w] = layout === 'NCHW' ? [a, b, c] : [c, a, b];
  const item = channels * h * w;
  const n = h * w + 1;
  const data = new Float32Array(n * item).fill(1);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < channels; k++) {
      const offset = layout === 'NCHW' ? k * h * w + p : p * channels + k;
      data[(p + 1) * item + offset] = 2;
    }
  }
  const out = (await run(model, { x: { data, dims: [n, ...dims.slice(1)] } }, [layer]))[layer]!;
  const [, lc = 1, lh = 1, lw = 1] = out.dims;
  const per = lc * lh * lw;
  let scale = 0;
  for (let i = 0; i < per; i++) scale = Math.max(scale, Math.abs(out.data[i]!));
  const boxes: (Box | undefined)[] = [];
  for (let q = 0; q < lh * lw; q++) {
    let box: Box | undefined;
    for (let p = 0; p < h * w; p++) {
      let changed = false;
      for (let k = 0; k < lc && !changed; k++) {
        const i = k * lh * lw + q;
        changed = Math.abs(out.data[(p + 1) * per + i]! - out.data[i]!) > 1e-5 * scale;
      }
      if (!changed) continue;
      const y = Math.floor(p / w);
      const x = p % w;
      box = box
        ? {
            x0: Math.min(box.x0, x),
            y0: Math.min(box.y0, y),
            x1: Math.max(box.x1, x),
            y1: Math.max(box.y1, y),
          }
        : { x0: x, y0: y, x1: x, y1: y };
    }
    boxes.push(box);
  }
  return { boxes, height: lh, width: lw };
}

function regionBox(field: ReceptiveField, y: number, x: number): Box {
  const r = receptiveRegion(field, y, x);
  return { x0: r.x, y0: r.y, x1: r.x + r.width - 1, y1: r.y + r.height - 1 };
}

interface Case {
  readonly name: string;
  readonly nodes: readonly TinyNode[];
  readonly floats?: Parameters<typeof tinyModel>[0]['floats'];
  readonly ints?: Parameters<typeof tinyModel>[0]['ints'];
  readonly dims?: readonly [number, number, number, number];
  readonly layout?: 'NCHW' | 'NHWC';
  /** The field equals the footprint (else it only contains it). */
  readonly exact: boolean;
  /** Largest excess of the field over the footprint per side, in pixels, when not exact. */
  readonly slack?: number;
  readonly global?: boolean;
}

const cases: Case[] = [
  {
    name: 'strided, dilated and asymmetrically padded convolutions, then an average pool',
    nodes: [
      node('Conv', ['x', 'w1'], ['a'], {
        strides: { ints: [2, 2] },
        pads: { ints: [2, 2, 2, 2] },
        dilations: { ints: [2, 2] },
      }),
      node('Conv', ['a', 'w2'], ['b'], { pads: { ints: [0, 1, 1, 0] } }),
      node('AveragePool', ['b'], ['y'], {
        kernel_shape: { ints: [2, 2] },
        strides: { ints: [2, 2] },
      }),
    ],
    floats: { w1: weights(2, 1, 3), w2: weights(2, 2, 3) },
    // odd size: the dilated taps (even pixels only) reach the last pixel
    dims: [1, 1, 17, 17],
    exact: true,
  },
  {
    name: 'a residual block: two branches of different reach meet in Add',
    nodes: [
      node('Conv', ['x', 'w1'], ['a'], { pads: { ints: [2, 2, 2, 2] } }),
      node('Conv', ['x', 'w2'], ['b'], {}),
      node('Add', ['a', 'b'], ['s']),
      node('Relu', ['s'], ['r']),
      node('Conv', ['r', 'w3'], ['y'], { strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } }),
    ],
    floats: { w1: weights(2, 1, 5), w2: weights(2, 1, 1), w3: weights(2, 2, 3) },
    exact: true,
  },
  {
    name: 'Concat of a wide and a narrow branch on the channel axis',
    nodes: [
      node('Conv', ['x', 'w1'], ['a'], { pads: { ints: [3, 3, 3, 3] } }),
      node('MaxPool', ['x'], ['b'], {
        kernel_shape: { ints: [3, 3] },
        pads: { ints: [1, 1, 1, 1] },
      }),
      node('Concat', ['a', 'b'], ['y'], { axis: { int: 1 } }),
    ],
    floats: { w1: weights(1, 1, 7) },
    exact: true,
  },
  {
    name: 'an explicit Pad, a valid convolution and a strided Slice',
    nodes: [
      node('Pad', ['x', 'pads'], ['p']),
      node('Conv', ['p', 'w1'], ['c']),
      node('Slice', ['c', 'starts', 'ends', 'axes', 'steps'], ['y']),
    ],
    floats: { w1: weights(1, 1, 3) },
    ints: {
      pads: { dims: [8], data: [0, 0, 2, 1, 0, 0, 0, 3] },
      starts: { dims: [2], data: [1, 0] },
      ends: { dims: [2], data: [100, 100] },
      axes: { dims: [2], data: [2, 3] },
      steps: { dims: [2], data: [2, 3] },
    },
    exact: true,
  },
  {
    name: 'MaxPool with ceil_mode, then a padded pool',
    nodes: [
      node('MaxPool', ['x'], ['a'], {
        kernel_shape: { ints: [3, 3] },
        strides: { ints: [2, 2] },
        ceil_mode: { int: 1 },
      }),
      node('MaxPool', ['a'], ['y'], {
        kernel_shape: { ints: [2, 2] },
        pads: { ints: [1, 0, 0, 1] },
      }),
    ],
    dims: [1, 1, 15, 15],
    exact: true,
  },
  {
    name: 'an NHWC input transposed to NCHW',
    nodes: [
      node('Transpose', ['x'], ['t'], { perm: { ints: [0, 3, 1, 2] } }),
      node('Conv', ['t', 'w1'], ['y'], { strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } }),
    ],
    floats: { w1: weights(2, 3, 3) },
    dims: [1, 12, 12, 3],
    layout: 'NHWC',
    exact: true,
  },
  {
    name: 'ConvTranspose upsampling (a fractional jump, rounded outwards)',
    nodes: [
      node('Conv', ['x', 'w1'], ['a'], { strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } }),
      node('ConvTranspose', ['a', 'w2'], ['y'], {
        strides: { ints: [2, 2] },
        pads: { ints: [1, 1, 1, 1] },
      }),
    ],
    floats: { w1: weights(1, 1, 3), w2: weights(1, 1, 4) },
    exact: false,
    slack: 2,
  },
  {
    name: 'bilinear Resize after a strided convolution',
    nodes: [
      node('Conv', ['x', 'w1'], ['a'], { strides: { ints: [2, 2] } }),
      node('Resize', ['a', '', 'scales'], ['y'], { mode: { string: 'linear' } }),
    ],
    floats: { w1: weights(1, 1, 3), scales: { dims: [4], data: [1, 1, 2, 2] } },
    exact: false,
    slack: 4,
  },
  {
    name: 'reflect padding (conservative)',
    nodes: [
      node('Pad', ['x', 'pads'], ['p'], { mode: { string: 'reflect' } }),
      node('Conv', ['p', 'w1'], ['y']),
    ],
    floats: { w1: weights(1, 1, 3) },
    ints: { pads: { dims: [8], data: [0, 0, 2, 2, 0, 0, 2, 2] } },
    exact: false,
    slack: 4,
  },
  {
    name: 'a squeeze-and-excitation branch makes the field global',
    nodes: [
      node('Conv', ['x', 'w1'], ['a'], { pads: { ints: [1, 1, 1, 1] } }),
      node('GlobalAveragePool', ['a'], ['g']),
      node('Mul', ['a', 'g'], ['y']),
    ],
    floats: { w1: weights(2, 1, 3) },
    exact: true,
    global: true,
  },
];

describe('receptiveField', () => {
  it.each(cases)('$name', async (c) => {
    const dims = c.dims ?? [1, 1, 16, 16];
    const model = tinyModel({
      inputs: { x: ['N', ...dims.slice(1)] },
      nodes: c.nodes,
      ...(c.floats ? { floats: c.floats } : {}),
      ...(c.ints ? { ints: c.ints } : {}),
      opset: 13,
    });
    const field = receptiveField(model, 'y', {
      inputSize: c.layout === 'NHWC' ? [dims[1], dims[2]] : [dims[2], dims[3]],
    });
    expect(field.global).toBe(c.global ?? false);
    const measured = await footprints(model, 'y', dims, c.layout);
    let worstSlack = 0;
    for (let q = 0; q < measured.boxes.length; q++) {
      const y = Math.floor(q / measured.width);
      const x = q % measured.width;
      const truth = measured.boxes[q];
      const box = regionBox(field, y, x);
      if (!truth) continue; // a position that sees only padding
      if (c.exact) {
        expect(box, `position (${y}, ${x})`).toEqual(truth);
      } else {
        expect(box.x0, `position (${y}, ${x})`).toBeLessThanOrEqual(truth.x0);
        expect(box.y0).toBeLessThanOrEqual(truth.y0);
        expect(box.x1).toBeGreaterThanOrEqual(truth.x1);
        expect(box.y1).toBeGreaterThanOrEqual(truth.y1);
        worstSlack = Math.max(
          worstSlack,
          truth.x0 - box.x0,
          truth.y0 - box.y0,
          box.x1 - truth.x1,
          box.y1 - truth.y1,
        );
      }
    }
    if (!c.exact) expect(worstSlack).toBeLessThanOrEqual(c.slack ?? 0);
    // Some positions see real pixels (the comparison above was not empty).
    expect(measured.boxes.some((b) => b !== undefined)).toBe(true);
  });

  it('the committed default model: the textbook sizes of its stages', () => {
    const bytes = readFileSync(new URL('../../../models/default/shapes10.onnx', import.meta.url));
    // stem: 5×5 stride 2, pad 2 → 5 px; each 3×3 adds 2·jump; the 2×2 pools add one jump.
    const expected: Record<string, [number, number, number]> = {
      stem: [2, -2, 5],
      conv2: [2, -4, 9],
      'pool2/MaxPool': [4, -4, 11],
      block2: [4, -12, 27],
      conv3: [4, -16, 35],
      block3: [8, -32, 71],
    };
    for (const [layer, [jump, start, size]] of Object.entries(expected)) {
      const field = receptiveField(bytes, layer);
      expect(field.y, layer).toEqual({ jump, start, size });
      expect(field.x, layer).toEqual({ jump, start, size });
    }
    const logits = receptiveField(bytes, 'logits');
    expect(logits.global).toBe(true);
    expect(receptiveRegion(logits, 0, 0)).toEqual({ x: 0, y: 0, width: 64, height: 64 });
  });

  it('names what it cannot do', () => {
    const unknownOp = tinyModel({
      inputs: { x: [1, 4, 8, 8] },
      nodes: [node('DepthToSpace', ['x'], ['y'], { blocksize: { int: 2 } })],
    });
    const error = (() => {
      try {
        receptiveField(unknownOp, 'y');
      } catch (e) {
        return e;
      }
    })();
    expect(isFvError(error, 'UNSUPPORTED_OP')).toBe(true);
    expect((error as Error).message).toContain('DepthToSpace');
    const free = tinyModel({
      inputs: { x: ['N', 1, 'H', 'W'] },
      nodes: [node('Conv', ['x', 'w'], ['y'])],
      floats: { w: weights(1, 1, 3) },
    });
    expect(() => receptiveField(free, 'y')).toThrow(/inputSize/);
    expect(receptiveField(free, 'y', { inputSize: [10, 10] }).y).toEqual({
      jump: 1,
      start: 0,
      size: 3,
    });
    expect(() => receptiveField(free, 'nope', { inputSize: [10, 10] })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TENSOR' }),
    );
  });
});

describeWithModels('receptive fields of MobileNetV2 (shared models)', (dir) => {
  it('contain the input gradient of a position, which reaches their edges', async () => {
    const bytes = new Uint8Array(readFileSync(`${dir}/imagenet/mobilenet_v2_1.0_224.onnx`));
    const layer = 'MobilenetV2/expanded_conv_6/expand/Relu6';
    const field = receptiveField(bytes, layer);
    expect(field.global).toBe(false);
    // Σ over channels at two positions: one in the middle, one at the border.
    const gm = buildGradientModel(bytes, {
      objective: { kind: 'logit', output: layer },
      wrt: ['input'],
    });
    const [h, w, c] = [28, 28, 192];
    const positions: [number, number][] = [
      [13, 14],
      [0, 27],
    ];
    const random = Float32Array.from(
      { length: 3 * 224 * 224 },
      (_, i) => Math.sin(i * 12.9898) * 0.9,
    );
    for (const [y, x] of positions) {
      const seed = new Float32Array(c * h * w);
      for (let k = 0; k < c; k++) seed[k * h * w + y * w + x] = 1;
      const out = await run(gm.bytes, {
        input: { data: random, dims: [1, 3, 224, 224] },
        [gm.seedInput!]: { data: seed, dims: [1, c, h, w] },
      });
      const g = out[gm.gradientOutputs.input!]!.data;
      let box: Box | undefined;
      for (let i = 0; i < g.length; i++) {
        if (g[i] === 0) continue;
        const p = i % (224 * 224);
        const [py, px] = [Math.floor(p / 224), p % 224];
        box = box
          ? {
              x0: Math.min(box.x0, px),
              y0: Math.min(box.y0, py),
              x1: Math.max(box.x1, px),
              y1: Math.max(box.y1, py),
            }
          : { x0: px, y0: py, x1: px, y1: py };
      }
      const region = regionBox(field, y, x);
      expect(box, `(${y}, ${x})`).toBeDefined();
      expect(box!.x0).toBeGreaterThanOrEqual(region.x0);
      expect(box!.y0).toBeGreaterThanOrEqual(region.y0);
      expect(box!.x1).toBeLessThanOrEqual(region.x1);
      expect(box!.y1).toBeLessThanOrEqual(region.y1);
      // ReLU6 gates may cut a pixel or two off the edge, never more
      expect(region.x1 - region.x0 - (box!.x1 - box!.x0)).toBeLessThanOrEqual(2);
      expect(region.y1 - region.y0 - (box!.y1 - box!.y0)).toBeLessThanOrEqual(2);
    }
  });
});

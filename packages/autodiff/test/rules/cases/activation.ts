import { randomArray } from '../../helpers/onnx-model.js';
import { opCase, type RuleCase } from '../../helpers/rule-case.js';
import { spaced } from '../../helpers/tiny-model.js';

const dims = [2, 3, 4];
const seed = randomArray(24, 99);
const x = spaced(24, 1);

export const Relu: RuleCase[] = [
  opCase('standard', 'Relu', { dims, data: x }),
  opCase('opset 7 (no Where)', 'Relu', { dims, data: spaced(24, 2), opset: 7 }),
  // Guided and deconvnet Relu are not gradients: they are checked against their definitions.
  opCase('guided: max(dY, 0) where x > 0', 'Relu', {
    dims,
    data: x,
    relu: 'guided',
    seed,
    expected: Array.from(x, (v, i) => (v > 0 ? Math.max(seed[i]!, 0) : 0)),
  }),
  opCase('deconvnet: max(dY, 0) everywhere', 'Relu', {
    dims,
    data: x,
    relu: 'deconvnet',
    seed,
    expected: Array.from(seed, (g) => Math.max(g, 0)),
  }),
  // Redirected (Lucid's redirected_relu_grad), per batch item: item 0 lets some gradient through
  // (standard gradient), item 1 is inactive everywhere (dY passes where it pushes x up).
  opCase('redirected: standard unless an item is blocked', 'Relu', {
    dims: [2, 3],
    data: Float32Array.from([-1, 0.5, -2, -1, -0.5, -2]),
    relu: 'redirected',
    seed: Float32Array.from([1, -1, 2, 1, -1, 2]),
    expected: [0, -1, 0, 1, 0, 2],
  }),
  opCase('redirected: active units with zero dY still count as blocked', 'Relu', {
    dims: [1, 3],
    data: Float32Array.from([-1, 0.5, -2]),
    relu: 'redirected',
    seed: Float32Array.from([1, 0, -3]),
    expected: [1, 0, 0],
  }),
];

// ReLU6 and friends: spaced values with step 0.5 lie 0.25 from every bound used below.
// Clip-6 (bounds as attributes) is the Clip of opsets 6–10; it is tested at opsets 7, 8 and 10
// because onnxruntime has no opset-6 kernels for the Mul/Add a gradient graph needs.
const wide = spaced(40, 3, 0.5);
const wideDims = [2, 4, 5];

export const Clip: RuleCase[] = [
  opCase('ReLU6 from attributes (opset 10)', 'Clip', {
    dims: wideDims,
    data: wide,
    attrs: { min: { float: 0 }, max: { float: 6 } },
    opset: 10,
  }),
  opCase('min/max inputs (opset 13)', 'Clip', {
    dims: wideDims,
    data: wide,
    inputs: ['x', 'lo', 'hi'],
    floats: { lo: { dims: [], data: [-2] }, hi: { dims: [], data: [3] } },
  }),
  opCase('only min (opset 11)', 'Clip', {
    dims: wideDims,
    data: wide,
    inputs: ['x', 'lo'],
    floats: { lo: { dims: [], data: [1] } },
    opset: 11,
  }),
  opCase('only max, min omitted (opset 12)', 'Clip', {
    dims: wideDims,
    data: wide,
    inputs: ['x', '', 'hi'],
    floats: { hi: { dims: [], data: [2] } },
    opset: 12,
  }),
  opCase('no bounds (opset 13)', 'Clip', { dims: wideDims, data: wide }),
  opCase('only max attribute (opset 7)', 'Clip', {
    dims: wideDims,
    data: wide,
    attrs: { max: { float: 4 } },
    opset: 7,
  }),
  opCase('ReLU6, guided', 'Clip', {
    dims: [2, 3],
    data: Float32Array.from([-1.25, 0.75, 3.25, 6.25, 5.75, 2.25]),
    attrs: { min: { float: 0 }, max: { float: 6 } },
    opset: 8,
    relu: 'guided',
    seed: Float32Array.from([1, -1, -2, 3, 0.5, 2]),
    expected: [0, 0, 0, 0, 0.5, 2],
  }),
  // Redirected ReLU6 (Lucid's redirected_relu6_grad): item 0 is outside [0, 6] everywhere (below:
  // dY > 0 passes; above: dY < 0 passes), item 1 is partly active (standard gradient).
  ...[8, 13].map((opset) =>
    opCase(`ReLU6, redirected (opset ${opset})`, 'Clip', {
      dims: [2, 3],
      data: Float32Array.from([-1.25, 6.25, 7, 0.75, -1, 6.5]),
      ...(opset < 11
        ? { attrs: { min: { float: 0 }, max: { float: 6 } } }
        : {
            inputs: ['x', 'lo', 'hi'],
            floats: { lo: { dims: [], data: [0] }, hi: { dims: [], data: [6] } },
          }),
      opset,
      relu: 'redirected',
      seed: Float32Array.from([1, 2, -3, 0.5, 2, 1]),
      expected: [1, 0, -3, 0.5, 0, 0],
    }),
  ),
];

/**
 * Relu and Clip on N×C×H×W tensors, where `convMasks` (the native backend's tuning) builds the
 * mask from the output with 1×1 depthwise Conv + Clip: every bound form, a free batch dim, and
 * values exactly at the bounds and just inside them (the mask must be exactly 0 and 1 there).
 */
const img = [2, 4, 5, 1];
const atBounds = Float32Array.from([-1, 0, 1e-30, 3, Math.fround(6 - 2 ** -21), 6, 7, 2 ** -99]);
const atBoundsSeed = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);

/**
 * Clip(lo, hi) on `channels` channels of the same 8 values, each expected to pass (1) or not
 * (0): exact gradients seed·mask. 32 channels make onnxruntime-node run the masks as NCHWc
 * convolutions with their fusions (Conv + Add + HardSigmoid), as fv's native backend does.
 */
export function clipAtBounds(
  name: string,
  lo: number,
  hi: number,
  values: readonly number[],
  passes: readonly (0 | 1)[],
  channels = 1,
): RuleCase {
  const n = channels * values.length;
  const seed = Float32Array.from({ length: n }, (_, i) => 1 + (i % 13));
  return opCase(name, 'Clip', {
    dims: [1, channels, 1, values.length],
    data: Float32Array.from({ length: n }, (_, i) => values[i % values.length]!),
    inputs: ['x', 'lo', 'hi'],
    floats: { lo: { dims: [], data: [lo] }, hi: { dims: [], data: [hi] } },
    seed,
    expected: Array.from(seed, (g, i) => g * passes[i % values.length]!),
  });
}

/** The float32 next to `x` toward `to`. */
const next = (x: number, to: number): number => {
  const f = new Float32Array([x]);
  const bits = new Int32Array(f.buffer);
  bits[0]! += to > x === x >= 0 ? 1 : -1;
  return f[0]!;
};

/**
 * ReLU6, Clip(−2, 3), Clip(0, 8) (hi a power of two), two bounds whose span is not a float32, and
 * Clip(0, 1e7) (too wide to scale).
 */
export const clipBounds = (channels = 1): RuleCase[] => [
  clipAtBounds(
    `ReLU6 at its bounds, ${channels} channel(s)`,
    0,
    6,
    [0, 1e-30, 2 ** -99, 3, next(6, 0), 6, 7, -1],
    [0, 1, 1, 1, 1, 0, 0, 0],
    channels,
  ),
  clipAtBounds(
    `Clip(−2, 3) at its bounds, ${channels} channel(s)`,
    -2,
    3,
    [-2, next(-2, 0), 0, next(3, 0), 3, 4, -3, 1],
    [0, 1, 1, 1, 0, 0, 0, 1],
    channels,
  ),
  clipAtBounds(
    `Clip(0, 8) at its bounds, ${channels} channel(s)`,
    0,
    8,
    [0, 2 ** -99, next(8, 0), 8, 9, 4, -1, 1e-30],
    [0, 1, 1, 0, 0, 1, 0, 1],
    channels,
  ),
  // hi − lo not a float32 (it rounds down to a power of two): the penalty must cancel the exact
  // span, whichever order a fused kernel adds the bias and the Sum input in.
  clipAtBounds(
    `Clip(−1e-8, 1) at its bounds, ${channels} channel(s)`,
    Math.fround(-1e-8),
    1,
    [Math.fround(-1e-8), 0, next(1, 0), 1, 2, 0.5, -1, 2 ** -99],
    [0, 1, 1, 0, 0, 1, 0, 1],
    channels,
  ),
  clipAtBounds(
    `Clip(−0.001, 0.999) at its bounds, ${channels} channel(s)`,
    Math.fround(-0.001),
    Math.fround(0.999),
    [Math.fround(-0.001), 0, next(Math.fround(0.999), 0), Math.fround(0.999), 1, 0.5, -1, 1e-30],
    [0, 1, 1, 0, 0, 1, 0, 1],
    channels,
  ),
  clipAtBounds(
    `Clip(0, 1e7) at its bounds, ${channels} channel(s)`,
    0,
    1e7,
    [0, 2 ** -99, next(1e7, 0), 1e7, 2e7, 5, -1, 1],
    [0, 1, 1, 0, 0, 1, 0, 1],
    channels,
  ),
];

export const ImageMasks: RuleCase[] = [
  opCase('Relu on N×C×H×W', 'Relu', { dims: img, data: spaced(40, 4) }),
  opCase('Relu on N×C×H×W, free batch dim', 'Relu', { dims: img, batch: 'N', data: spaced(40, 5) }),
  opCase('ReLU6 from attributes on N×C×H×W (opset 10)', 'Clip', {
    dims: img,
    data: wide,
    attrs: { min: { float: 0 }, max: { float: 6 } },
    opset: 10,
  }),
  opCase('min/max inputs on N×C×H×W (opset 13)', 'Clip', {
    dims: img,
    data: wide,
    inputs: ['x', 'lo', 'hi'],
    floats: { lo: { dims: [], data: [-2] }, hi: { dims: [], data: [3] } },
  }),
  opCase('only max on N×C×H×W (opset 12)', 'Clip', {
    dims: img,
    data: wide,
    inputs: ['x', '', 'hi'],
    floats: { hi: { dims: [], data: [2] } },
    opset: 12,
  }),
  opCase('Relu at 0 and just above it', 'Relu', {
    dims: [1, 8, 1, 1],
    data: atBounds,
    seed: atBoundsSeed,
    expected: [0, 0, 3, 4, 5, 6, 7, 8],
  }),
  opCase('ReLU6 at both bounds and just inside them', 'Clip', {
    dims: [1, 8, 1, 1],
    data: atBounds,
    inputs: ['x', 'lo', 'hi'],
    floats: { lo: { dims: [], data: [0] }, hi: { dims: [], data: [6] } },
    seed: atBoundsSeed,
    expected: [0, 0, 3, 4, 5, 0, 0, 8],
  }),
  ...clipBounds(),
];

export const Softmax: RuleCase[] = [
  opCase('opset 13, last axis', 'Softmax', { dims: [2, 3, 5] }),
  opCase('opset 13, axis 1', 'Softmax', { dims: [2, 3, 5], attrs: { axis: { int: 1 } } }),
  opCase('opset 11, axis 1: over axes 1 and 2', 'Softmax', {
    dims: [2, 3, 5],
    attrs: { axis: { int: 1 } },
    opset: 11,
  }),
  opCase('opset 11, axis −1', 'Softmax', {
    dims: [2, 3, 5],
    attrs: { axis: { int: -1 } },
    opset: 11,
  }),
  opCase('opset 7, default axis (2-D logits)', 'Softmax', { dims: [2, 6], opset: 7 }),
];

const bn = (c: number, s: number) => ({
  scale: { dims: [c], data: randomArray(c, s, 0.5, 1.5) },
  bias: { dims: [c], data: randomArray(c, s + 1) },
  mean: { dims: [c], data: randomArray(c, s + 2) },
  var: { dims: [c], data: randomArray(c, s + 3, 0.2, 2) },
});

export const BatchNormalization: RuleCase[] = [
  opCase('NCHW (opset 15)', 'BatchNormalization', {
    dims: [2, 3, 2, 3],
    inputs: ['x', 'scale', 'bias', 'mean', 'var'],
    floats: bn(3, 1),
    opset: 15,
  }),
  opCase('NC (after a Linear layer), epsilon 0.1 (opset 9)', 'BatchNormalization', {
    dims: [4, 5],
    inputs: ['x', 'scale', 'bias', 'mean', 'var'],
    attrs: { epsilon: { float: 0.1 } },
    floats: bn(5, 2),
    opset: 9,
  }),
  opCase('NCL (opset 7)', 'BatchNormalization', {
    dims: [1, 2, 5],
    inputs: ['x', 'scale', 'bias', 'mean', 'var'],
    floats: bn(2, 3),
    opset: 7,
  }),
];

// QuantizeLinear → DequantizeLinear pairs: the forward rounds, so finite differences mean
// nothing; the straight-through gradient is exactly the seed (times what follows).
import { randomArray } from '../../helpers/onnx-model.js';
import { opCase, type RuleCase } from '../../helpers/rule-case.js';
import { node } from '../../helpers/tiny-model.js';

const seed = randomArray(24, 5);

export const QuantizeLinear: RuleCase[] = [
  opCase('per tensor, uint8, then DequantizeLinear: identity', 'QuantizeLinear', {
    dims: [2, 3, 4],
    inputs: ['x', 's', 'zp'],
    floats: { s: { dims: [], data: [0.02] } },
    bytes: { zp: { type: 'uint8', dims: [], data: [128] } },
    post: [node('DequantizeLinear', ['t', 's', 'zp'], ['y'])],
    seed,
    expected: seed,
  }),
  opCase('per axis (axis 1), int8, opset 13, then a scale by 3', 'QuantizeLinear', {
    dims: [2, 3, 4],
    inputs: ['x', 's', 'zp'],
    floats: { s: { dims: [3], data: [0.01, 0.02, 0.05] }, three: { dims: [], data: [3] } },
    bytes: { zp: { type: 'int8', dims: [3], data: [0, -3, 5] } },
    post: [node('DequantizeLinear', ['t', 's', 'zp'], ['d']), node('Mul', ['d', 'three'], ['y'])],
    seed,
    expected: Float32Array.from(seed, (v) => 3 * v),
  }),
];

export const DequantizeLinear: RuleCase[] = [
  opCase('after QuantizeLinear, opset 10 (no axis)', 'QuantizeLinear', {
    dims: [2, 3, 4],
    inputs: ['x', 's'],
    floats: { s: { dims: [], data: [0.03] } },
    post: [node('DequantizeLinear', ['t', 's'], ['y'])],
    opset: 10,
    seed,
    expected: seed,
  }),
];

// Dynamic quantization: DynamicQuantizeLinear → MatMulInteger/ConvInteger → Cast → Mul by the
// scales. The straight-through gradient is that of the dequantized float computation,
// dX = dY·W_deqᵀ with W_deq = (W − w_zp)·w_scale, whatever the activations' rounding.
const wInts = [12, 250, 128, 7, 99, 180, 140, 33, 64, 200, 1, 128];
const wZp = 128;
const wScale = 0.01;
const wDeq = wInts.map((v) => (v - wZp) * wScale);
const dynamicSeed = randomArray(6, 21);

/** seed [2, 3] times W_deqᵀ (W_deq is [4, 3]): the expected dX [2, 4]. */
const matmulExpected = Array.from({ length: 8 }, (_, t) => {
  const [i, k] = [Math.floor(t / 4), t % 4];
  let s = 0;
  for (let j = 0; j < 3; j++) s += dynamicSeed[i * 3 + j]! * wDeq[k * 3 + j]!;
  return s;
});

const dynamicPost = (integerOp: string, extra: Partial<Record<string, { int: number }>> = {}) => [
  node(integerOp, ['t', 'w', 't2', 'wzp'], ['m'], extra as Record<string, { int: number }>),
  node('Cast', ['m'], ['mf'], { to: { int: 1 } }),
  node('Mul', ['t1', 'ws'], ['scale']),
  node('Mul', ['mf', 'scale'], ['y']),
];

export const DynamicQuantizeLinear: RuleCase[] = [
  opCase('→ MatMulInteger (uint8 weights, zero point 128) → Cast → Mul', 'DynamicQuantizeLinear', {
    dims: [2, 4],
    outputs: 3,
    floats: { ws: { dims: [], data: [wScale] } },
    bytes: {
      w: { type: 'uint8', dims: [4, 3], data: wInts },
      wzp: { type: 'uint8', dims: [], data: [wZp] },
    },
    post: dynamicPost('MatMulInteger'),
    seed: dynamicSeed,
    expected: matmulExpected,
  }),
];

export const MatMulInteger: RuleCase[] = DynamicQuantizeLinear;

/** A 1×1 ConvInteger with W [3 out, 4 in]: dX[c, p] = Σₘ W_deq[m, c]·dY[m, p] per pixel p. */
const convSeed = randomArray(12, 22);
const convExpected = Array.from({ length: 16 }, (_, t) => {
  const [c, p] = [Math.floor(t / 4), t % 4];
  let s = 0;
  for (let m = 0; m < 3; m++) s += wDeq[m * 4 + c]! * convSeed[m * 4 + p]!;
  return s;
});

export const ConvInteger: RuleCase[] = [
  opCase('1×1 after DynamicQuantizeLinear, uint8 weights', 'DynamicQuantizeLinear', {
    dims: [1, 4, 2, 2],
    outputs: 3,
    floats: { ws: { dims: [], data: [wScale] } },
    bytes: {
      w: { type: 'uint8', dims: [3, 4, 1, 1], data: wInts },
      wzp: { type: 'uint8', dims: [], data: [wZp] },
    },
    post: dynamicPost('ConvInteger'),
    seed: convSeed,
    expected: convExpected,
  }),
];

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

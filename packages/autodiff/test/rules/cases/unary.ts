// Cases for the one-input elementwise rules. Inputs avoid each op's kinks and domain edges:
// `spaced` values sit at least 0.025 from every multiple of 0.05 and from each other.

import { randomArray } from '../../helpers/onnx-model.js';
import { opCase, type RuleCase } from '../../helpers/rule-case.js';
import { spaced } from '../../helpers/tiny-model.js';

const dims = [2, 3, 4];

export const Sigmoid: RuleCase[] = [
  opCase('opset 13', 'Sigmoid', { dims, data: randomArray(24, 1, -3, 3) }),
  opCase('opset 7', 'Sigmoid', { dims, data: randomArray(24, 2, -3, 3), opset: 7 }),
];

export const Tanh: RuleCase[] = [
  opCase('opset 13', 'Tanh', { dims, data: randomArray(24, 3, -2, 2) }),
  opCase('opset 7', 'Tanh', { dims, data: randomArray(24, 4, -2, 2), opset: 7 }),
];

export const Exp: RuleCase[] = [
  opCase('opset 13', 'Exp', { dims, data: randomArray(24, 5, -2, 2) }),
  opCase('opset 7', 'Exp', { dims, data: randomArray(24, 6, -2, 2), opset: 7 }),
];

export const Neg: RuleCase[] = [
  opCase('opset 13', 'Neg', { dims }),
  opCase('opset 7', 'Neg', { dims, opset: 7 }),
];

export const Sqrt: RuleCase[] = [
  opCase('opset 13', 'Sqrt', { dims, data: randomArray(24, 7, 0.5, 3) }),
  opCase('opset 7', 'Sqrt', { dims, data: randomArray(24, 8, 0.5, 3), opset: 7 }),
];

export const Reciprocal: RuleCase[] = [
  opCase('positive', 'Reciprocal', { dims, data: randomArray(24, 9, 0.5, 2) }),
  opCase('negative, opset 7', 'Reciprocal', {
    dims,
    data: randomArray(24, 10, -2, -0.5),
    opset: 7,
  }),
];

export const Erf: RuleCase[] = [
  opCase('opset 13', 'Erf', { dims, data: randomArray(24, 11, -2, 2) }),
  opCase('opset 9', 'Erf', { dims, data: randomArray(24, 12, -2, 2), opset: 9 }),
];

export const LeakyRelu: RuleCase[] = [
  opCase('default alpha', 'LeakyRelu', { dims, data: spaced(24, 13) }),
  opCase('alpha 0.3', 'LeakyRelu', {
    dims,
    data: spaced(24, 14),
    attrs: { alpha: { float: 0.3 } },
  }),
  // Before opset 9 there is no Where: the mask is cast to float and blended.
  opCase('opset 7 (no Where)', 'LeakyRelu', {
    dims,
    data: spaced(24, 15),
    attrs: { alpha: { float: 0.2 } },
    opset: 7,
  }),
];

export const PRelu: RuleCase[] = [
  opCase('per-channel slope (C,1,1)', 'PRelu', {
    dims: [1, 3, 2, 2],
    data: spaced(12, 16),
    inputs: ['x', 'slope'],
    floats: { slope: { dims: [3, 1, 1], data: [0.1, 0.25, -0.4] } },
  }),
  opCase('scalar slope', 'PRelu', {
    dims,
    data: spaced(24, 17),
    inputs: ['x', 'slope'],
    floats: { slope: { dims: [1], data: [0.3] } },
  }),
  opCase('opset 7, trailing-dim slope', 'PRelu', {
    dims,
    data: spaced(24, 18),
    inputs: ['x', 'slope'],
    floats: { slope: { dims: [4], data: [0.1, 0.2, 0.3, 0.4] } },
    opset: 7,
  }),
];

export const Elu: RuleCase[] = [
  opCase('default alpha', 'Elu', { dims, data: spaced(24, 19, 0.1) }),
  opCase('alpha 0.7, opset 7', 'Elu', {
    dims,
    data: spaced(24, 20, 0.1),
    attrs: { alpha: { float: 0.7 } },
    opset: 7,
  }),
];

// Linear between z = αx + β ∈ (0, 1): x ∈ (−2.5, 2.5) for the defaults; spaced values with step
// 0.1 stay 0.05 from ±2.5 and cover both saturated sides.
export const HardSigmoid: RuleCase[] = [
  // Piecewise linear, so the finite difference is exact but for float noise: a larger step
  // (0.02 < 0.05, the distance to the kinks) keeps that noise small.
  opCase('defaults', 'HardSigmoid', { dims, data: spaced(60, 21, 0.1).slice(0, 24), eps: 0.02 }),
  opCase('alpha 0.5, beta 0.4', 'HardSigmoid', {
    dims,
    data: spaced(24, 22, 0.15),
    attrs: { alpha: { float: 0.5 }, beta: { float: 0.4 } },
  }),
];

export const HardSwish: RuleCase[] = [
  opCase('opset 14', 'HardSwish', { dims: [2, 4, 4], data: spaced(32, 23, 0.25), opset: 14 }),
];

export const Gelu: RuleCase[] = [
  opCase('exact (erf)', 'Gelu', { dims, data: randomArray(24, 24, -3, 3), opset: 20 }),
  opCase('tanh approximation', 'Gelu', {
    dims,
    data: randomArray(24, 25, -3, 3),
    attrs: { approximate: { string: 'tanh' } },
    opset: 20,
  }),
];

export const Cast: RuleCase[] = [
  // float → double → float: the gradient is cast back along the way.
  opCase('float to double and back', 'Cast', {
    dims,
    attrs: { to: { int: 11 } },
    post: [
      { op: 'Cast', inputs: ['t'], outputs: ['u'], attrs: { to: { int: 1 } } },
      { op: 'Mul', inputs: ['u', 'u'], outputs: ['y'] },
    ],
  }),
  opCase('float to float', 'Cast', {
    dims,
    attrs: { to: { int: 1 } },
    post: [{ op: 'Mul', inputs: ['t', 't'], outputs: ['y'] }],
  }),
];

export const Abs: RuleCase[] = [
  opCase('opset 13', 'Abs', { dims, data: spaced(24, 40) }),
  // Before opset 9 there is no Where: the masks are cast to float and multiplied.
  opCase('opset 7 (no Where)', 'Abs', { dims, data: spaced(24, 41), opset: 7 }),
];

export const Log: RuleCase[] = [
  opCase('opset 13', 'Log', { dims, data: randomArray(24, 42, 0.3, 3) }),
  opCase('opset 7', 'Log', { dims, data: randomArray(24, 43, 0.3, 3), opset: 7 }),
];

export const Softplus: RuleCase[] = [
  opCase('opset 13', 'Softplus', { dims, data: randomArray(24, 46, -3, 3) }),
];

export const Softsign: RuleCase[] = [
  opCase('opset 13', 'Softsign', { dims, data: spaced(24, 47) }),
];

export const Selu: RuleCase[] = [
  opCase('default alpha, gamma', 'Selu', { dims, data: spaced(24, 48) }),
  opCase('alpha 2, gamma 1.5', 'Selu', {
    dims,
    data: spaced(24, 49),
    attrs: { alpha: { float: 2 }, gamma: { float: 1.5 } },
  }),
];

// com.microsoft ops of optimized exports (onnxruntime-web's wasm build runs them).
const bias4 = { bias: { dims: [4], data: randomArray(4, 50, -0.3, 0.3) } };

export const FastGelu: RuleCase[] = [
  opCase('with a bias', 'com.microsoft.FastGelu', {
    dims: [2, 3, 4],
    data: randomArray(24, 51, -2, 2),
    inputs: ['x', 'bias'],
    floats: bias4,
  }),
  opCase('without a bias', 'com.microsoft.FastGelu', {
    dims: [2, 4],
    data: randomArray(8, 52, -2, 2),
  }),
];

export const BiasGelu: RuleCase[] = [
  opCase('bias broadcast over rows', 'com.microsoft.BiasGelu', {
    dims: [2, 3, 4],
    data: randomArray(24, 53, -2, 2),
    inputs: ['x', 'bias'],
    floats: bias4,
  }),
];

export const QuickGelu: RuleCase[] = [
  opCase('default alpha', 'com.microsoft.QuickGelu', {
    dims: [2, 4],
    data: randomArray(8, 54, -3, 3),
  }),
  opCase('alpha 1.0 (SiLU)', 'com.microsoft.QuickGelu', {
    dims: [2, 4],
    data: randomArray(8, 55, -3, 3),
    attrs: { alpha: { float: 1 } },
  }),
];

import { randomArray } from '../../helpers/onnx-model.js';
import { opCase, type RuleCase } from '../../helpers/rule-case.js';
import { node } from '../../helpers/tiny-model.js';

export const InstanceNormalization: RuleCase[] = [
  opCase('NCHW', 'InstanceNormalization', {
    dims: [2, 3, 3, 4],
    inputs: ['x', 'scale', 'bias'],
    floats: {
      scale: { dims: [3], data: [0.5, 1.5, -1] },
      bias: { dims: [3], data: [0.1, -0.2, 0.3] },
    },
    data: randomArray(72, 1, -2, 2),
  }),
  opCase('NCL, epsilon 0.01, opset 7', 'InstanceNormalization', {
    dims: [1, 2, 6],
    inputs: ['x', 'scale', 'bias'],
    attrs: { epsilon: { float: 0.01 } },
    floats: { scale: { dims: [2], data: [2, 0.7] }, bias: { dims: [2], data: [0, 1] } },
    opset: 7,
  }),
];

export const LayerNormalization: RuleCase[] = [
  opCase('last axis', 'LayerNormalization', {
    dims: [2, 3, 5],
    inputs: ['x', 'scale', 'bias'],
    floats: {
      scale: { dims: [5], data: [0.5, 1.5, -1, 2, 1] },
      bias: { dims: [5], data: [0.1, -0.2, 0.3, 0, 0] },
    },
    opset: 17,
  }),
  opCase('axis 1 (two normalized axes), no bias', 'LayerNormalization', {
    dims: [2, 3, 4],
    inputs: ['x', 'scale'],
    attrs: { axis: { int: 1 }, epsilon: { float: 1e-3 } },
    floats: { scale: { dims: [3, 4], data: randomArray(12, 2, 0.5, 1.5) } },
    opset: 17,
  }),
];

export const LRN: RuleCase[] = [
  opCase('size 3, strong normalization', 'LRN', {
    dims: [1, 5, 2, 3],
    attrs: {
      size: { int: 3 },
      alpha: { float: 0.6 },
      beta: { float: 0.75 },
      bias: { float: 1.5 },
    },
    data: randomArray(30, 3, -2, 2),
  }),
  opCase('size 5, batch 2', 'LRN', {
    dims: [2, 6, 2, 2],
    attrs: { size: { int: 5 }, alpha: { float: 0.8 }, beta: { float: 0.5 }, bias: { float: 2 } },
    data: randomArray(48, 4, -2, 2),
  }),
  opCase('free batch dim', 'LRN', {
    dims: [2, 3, 2, 2],
    batch: 'N',
    attrs: { size: { int: 3 }, alpha: { float: 0.5 }, bias: { float: 1 } },
  }),
  opCase('defaults (AlexNet-like), opset 7', 'LRN', {
    dims: [1, 4, 3, 3],
    attrs: { size: { int: 5 } },
    data: randomArray(36, 5, -5, 5),
    // Inputs up to ±5 make the objective large; a wider step keeps float32 noise down.
    eps: 0.05,
    opset: 7,
  }),
];

const gammaBeta = {
  gamma: { dims: [4], data: randomArray(4, 60, 0.5, 1.5) },
  beta: { dims: [4], data: randomArray(4, 61, -0.2, 0.2) },
  b: { dims: [4], data: randomArray(4, 62, -0.2, 0.2) },
};

export const SkipLayerNormalization: RuleCase[] = [
  opCase('input and skip from x, bias', 'com.microsoft.SkipLayerNormalization', {
    dims: [2, 3, 4],
    pre: [node('Mul', ['x', 'x'], ['skip'])],
    inputs: ['x', 'skip', 'gamma', 'beta', 'b'],
    floats: gammaBeta,
    attrs: { epsilon: { float: 1e-5 } },
  }),
  opCase('the sum output feeds on (the next residual)', 'com.microsoft.SkipLayerNormalization', {
    dims: [2, 3, 4],
    inputs: ['x', 'c', 'gamma'],
    outputs: 4,
    floats: { ...gammaBeta, c: { dims: [2, 3, 4], data: randomArray(24, 63) } },
    post: [node('Mul', ['t', 't3'], ['y'])],
  }),
];

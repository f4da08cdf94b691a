import { DataType, makeFloatTensor } from '../../../src/onnx.js';
import { randomArray } from '../../helpers/onnx-model.js';
import { opCase, type RuleCase } from '../../helpers/rule-case.js';
import { node, spaced, tinyModel } from '../../helpers/tiny-model.js';

const ints = (data: number[]) => ({ dims: [data.length], data });

export const Concat: RuleCase[] = [
  opCase('x, constant, x along axis 1', 'Concat', {
    dims: [2, 3, 2],
    inputs: ['x', 'c', 'x'],
    attrs: { axis: { int: 1 } },
    floats: { c: { dims: [2, 4, 2], data: randomArray(16, 1) } },
  }),
  opCase('negative axis, x and a function of x', 'Concat', {
    dims: [2, 3],
    pre: [node('Mul', ['x', 'x'], ['sq'])],
    inputs: ['sq', 'x'],
    attrs: { axis: { int: -1 } },
  }),
  opCase('axis 0, opset 7', 'Concat', {
    dims: [2, 3],
    inputs: ['c', 'x'],
    attrs: { axis: { int: 0 } },
    floats: { c: { dims: [1, 3], data: [1, 2, 3] } },
    opset: 7,
  }),
];

export const Transpose: RuleCase[] = [
  opCase('NCHW to NHWC', 'Transpose', {
    dims: [2, 3, 4, 5],
    attrs: { perm: { ints: [0, 2, 3, 1] } },
  }),
  opCase('default perm (reverse)', 'Transpose', { dims: [2, 3, 4] }),
  opCase('3-cycle, opset 7', 'Transpose', {
    dims: [2, 3, 4],
    attrs: { perm: { ints: [2, 0, 1] } },
    opset: 7,
  }),
];

export const Reshape: RuleCase[] = [
  opCase('with −1 and 0 (opset 13)', 'Reshape', {
    dims: [2, 3, 4],
    inputs: ['x', 'shape'],
    ints: { shape: ints([0, -1, 2]) },
  }),
  opCase('opset 7', 'Reshape', {
    dims: [2, 6],
    inputs: ['x', 'shape'],
    ints: { shape: ints([3, 4]) },
    opset: 7,
  }),
  // PyTorch's export of x.view(x.size(0), -1): the target shape is computed from Shape(x);
  // the integer path gets no gradient and folds to constants.
  {
    name: 'flatten exported as Shape → Gather → Unsqueeze → Concat → Reshape',
    model: tinyModel({
      inputs: { x: [2, 3, 2, 2] },
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'zero'], ['n'], { axis: { int: 0 } }),
        node('Unsqueeze', ['n', 'axes0'], ['n1']),
        node('Concat', ['n1', 'minus1'], ['target'], { axis: { int: 0 } }),
        node('Reshape', ['x', 'target'], ['r']),
        node('Mul', ['r', 'r'], ['y']),
      ],
      ints: {
        zero: { dims: [], data: [0] },
        axes0: ints([0]),
        minus1: ints([-1]),
      },
    }),
    input: { name: 'x', dims: [2, 3, 2, 2], data: randomArray(24, 2) },
  },
];

export const Flatten: RuleCase[] = [
  opCase('axis 1', 'Flatten', { dims: [2, 3, 2, 2], post: [node('Mul', ['t', 't'], ['y'])] }),
  opCase('axis 2, opset 9', 'Flatten', {
    dims: [2, 3, 2, 2],
    attrs: { axis: { int: 2 } },
    opset: 9,
    post: [node('Mul', ['t', 't'], ['y'])],
  }),
  opCase('axis 0', 'Flatten', { dims: [2, 3], attrs: { axis: { int: 0 } } }),
];

export const Squeeze: RuleCase[] = [
  opCase('axes input (opset 13)', 'Squeeze', {
    dims: [2, 1, 3, 1],
    inputs: ['x', 'axes'],
    ints: { axes: ints([1, -1]) },
  }),
  opCase('axes attribute (opset 11)', 'Squeeze', {
    dims: [1, 3, 1, 2],
    attrs: { axes: { ints: [2] } },
    opset: 11,
  }),
  opCase('no axes: all size-1 dims', 'Squeeze', { dims: [2, 1, 3, 1] }),
];

export const Unsqueeze: RuleCase[] = [
  opCase('axes input, negative axis (opset 13)', 'Unsqueeze', {
    dims: [2, 3],
    inputs: ['x', 'axes'],
    ints: { axes: ints([0, -1]) },
  }),
  opCase('axes attribute (opset 11)', 'Unsqueeze', {
    dims: [2, 3],
    attrs: { axes: { ints: [1] } },
    opset: 11,
  }),
];

export const Dropout: RuleCase[] = [
  opCase('opset 7', 'Dropout', { dims: [2, 3], attrs: { ratio: { float: 0.3 } }, opset: 7 }),
  opCase('opset 13, ratio and training_mode = false inputs, mask output', 'Dropout', {
    dims: [2, 3],
    pre: [node('Constant', [], ['training'], { value: { tensor: boolTensor(false) } })],
    inputs: ['x', 'ratio', 'training'],
    outputs: 2,
    floats: { ratio: { dims: [], data: [0.5] } },
    post: [node('Identity', ['t'], ['y'])],
  }),
  // F.dropout(x, p=0.0) in training mode (torchvision's Swin attention) is the identity.
  opCase('training mode with ratio 0: identity', 'Dropout', {
    dims: [2, 3],
    pre: [node('Constant', [], ['training'], { value: { tensor: boolTensor(true) } })],
    inputs: ['x', 'ratio', 'training'],
    outputs: 2,
    floats: { ratio: { dims: [], data: [0] } },
    post: [node('Identity', ['t'], ['y'])],
  }),
];

export const Identity: RuleCase[] = [
  opCase('chain', 'Identity', { dims: [2, 3], post: [node('Mul', ['t', 't'], ['y'])] }),
];

/**
 * No gradient through integer and constant paths: Cast to int, ConstantOfShape, Shape. The float
 * path around them is differentiated with those values held fixed (as the finite difference,
 * which never crosses an integer step here, sees them).
 */
export const noGradient: RuleCase[] = [
  {
    name: 'x · float(int(x)): the truncation is a constant',
    model: tinyModel({
      inputs: { x: [2, 3] },
      nodes: [
        node('Cast', ['x'], ['i'], { to: { int: 6 } }),
        node('Cast', ['i'], ['f'], { to: { int: 1 } }),
        node('Mul', ['x', 'f'], ['y']),
      ],
    }),
    input: { name: 'x', dims: [2, 3], data: spaced(6, 3, 0.5).map((v) => v * 3) },
  },
  {
    name: 'x + ConstantOfShape(Shape(x))',
    model: tinyModel({
      inputs: { x: [2, 3] },
      nodes: [
        node('Shape', ['x'], ['s']),
        node('ConstantOfShape', ['s'], ['ones'], {
          value: { tensor: onesTensor() },
        }),
        node('Add', ['x', 'ones'], ['a']),
        node('Mul', ['a', 'x'], ['y']),
      ],
    }),
    input: { name: 'x', dims: [2, 3], data: randomArray(6, 4) },
  },
];

function onesTensor() {
  return makeFloatTensor('', [1], [1]);
}

function boolTensor(value: boolean) {
  const t = makeFloatTensor('', [], [0]);
  t.dataType = DataType.BOOL;
  t.rawData = Uint8Array.of(value ? 1 : 0);
  return t;
}

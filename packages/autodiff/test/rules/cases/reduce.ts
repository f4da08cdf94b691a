import { randomArray } from '../../helpers/onnx-model.js';
import { opCase, type RuleCase } from '../../helpers/rule-case.js';
import { spaced } from '../../helpers/tiny-model.js';

const dims = [2, 3, 4];
const axesInput = (axes: number[]) => ({
  inputs: ['x', 'axes'],
  ints: { axes: { dims: [axes.length], data: axes } },
});

export const ReduceSum: RuleCase[] = [
  opCase('axes attribute, keepdims (opset 11)', 'ReduceSum', {
    dims,
    attrs: { axes: { ints: [1, 2] } },
    opset: 11,
  }),
  opCase('axes attribute, keepdims 0, negative axis (opset 11)', 'ReduceSum', {
    dims,
    attrs: { axes: { ints: [-1] }, keepdims: { int: 0 } },
    opset: 11,
  }),
  opCase('axes input (opset 13)', 'ReduceSum', { dims, ...axesInput([0, 2]) }),
  opCase('axes input, keepdims 0 (opset 13)', 'ReduceSum', {
    dims,
    ...axesInput([1]),
    attrs: { keepdims: { int: 0 } },
  }),
  opCase('no axes: all', 'ReduceSum', { dims }),
  opCase('no axes with noop_with_empty_axes: identity', 'ReduceSum', {
    dims,
    attrs: { noop_with_empty_axes: { int: 1 } },
  }),
];

export const ReduceMean: RuleCase[] = [
  opCase('axes attribute (opset 13)', 'ReduceMean', { dims, attrs: { axes: { ints: [2] } } }),
  opCase('axes attribute, keepdims 0 (opset 11)', 'ReduceMean', {
    dims,
    attrs: { axes: { ints: [0, -1] }, keepdims: { int: 0 } },
    opset: 11,
  }),
  opCase('no axes: all (opset 7)', 'ReduceMean', { dims, opset: 7 }),
  opCase('axes input (opset 18)', 'ReduceMean', { dims, ...axesInput([1, 2]), opset: 18 }),
  opCase('axes input, keepdims 0 (opset 18)', 'ReduceMean', {
    dims,
    ...axesInput([1]),
    attrs: { keepdims: { int: 0 } },
    opset: 18,
  }),
  opCase('empty axes with noop_with_empty_axes (opset 18)', 'ReduceMean', {
    dims,
    attrs: { noop_with_empty_axes: { int: 1 } },
    opset: 18,
  }),
];

/** Distinct values (no ties) for ReduceMax/Min: a finite difference never swaps the extreme. */
const distinct = (seed: number) => spaced(24, seed, 0.1);

export const ReduceMax: RuleCase[] = [
  opCase('axes attribute (opset 13)', 'ReduceMax', {
    dims,
    data: distinct(1),
    attrs: { axes: { ints: [1] } },
  }),
  opCase('axes attribute, keepdims 0, opset 7 (no float Equal)', 'ReduceMax', {
    dims,
    data: distinct(2),
    attrs: { axes: { ints: [0, 2] }, keepdims: { int: 0 } },
    opset: 7,
  }),
  opCase('axes input (opset 18)', 'ReduceMax', {
    dims,
    data: distinct(3),
    ...axesInput([-1]),
    opset: 18,
  }),
  opCase('no axes: all', 'ReduceMax', { dims, data: distinct(4) }),
  // Ties share the gradient evenly, as PyTorch's amax: rows [1, 3, 3, 2] and [4, 4, 4, 0].
  opCase('ties share the gradient', 'ReduceMax', {
    dims: [2, 4],
    data: Float32Array.from([1, 3, 3, 2, 4, 4, 4, 0]),
    attrs: { axes: { ints: [1] }, keepdims: { int: 0 } },
    seed: Float32Array.from([1, 3]),
    expected: [0, 0.5, 0.5, 0, 1, 1, 1, 0],
  }),
];

export const ReduceMin: RuleCase[] = [
  opCase('axes attribute (opset 13)', 'ReduceMin', {
    dims,
    data: distinct(5),
    attrs: { axes: { ints: [2] } },
  }),
  opCase('opset 7 (no float Equal)', 'ReduceMin', {
    dims,
    data: distinct(6),
    attrs: { axes: { ints: [1] } },
    opset: 7,
  }),
];

export const ReduceL2: RuleCase[] = [
  opCase('axes attribute (opset 13)', 'ReduceL2', { dims, attrs: { axes: { ints: [2] } } }),
  opCase('axes input, keepdims 0 (opset 18)', 'ReduceL2', {
    dims,
    ...axesInput([1, 2]),
    attrs: { keepdims: { int: 0 } },
    opset: 18,
  }),
];

export const ReduceL1: RuleCase[] = [
  opCase('axes attribute (opset 13)', 'ReduceL1', {
    dims,
    data: spaced(24, 7),
    attrs: { axes: { ints: [0] } },
  }),
];

export const ReduceSumSquare: RuleCase[] = [
  opCase('axes attribute (opset 13)', 'ReduceSumSquare', { dims, attrs: { axes: { ints: [1] } } }),
  opCase('no axes: all, opset 11', 'ReduceSumSquare', { dims, opset: 11 }),
];

export const ReduceLogSumExp: RuleCase[] = [
  opCase('axes attribute (opset 13)', 'ReduceLogSumExp', {
    dims,
    data: randomArray(24, 8, -2, 2),
    attrs: { axes: { ints: [2] } },
  }),
  opCase('axes input, keepdims 0 (opset 18)', 'ReduceLogSumExp', {
    dims,
    data: randomArray(24, 9, -2, 2),
    ...axesInput([0, 1]),
    attrs: { keepdims: { int: 0 } },
    opset: 18,
  }),
];

import { opCase, type RuleCase } from '../../helpers/rule-case.js';

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

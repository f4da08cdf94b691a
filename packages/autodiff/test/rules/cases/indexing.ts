// Cases for the rules that pick or repeat elements: Gather, Tile.

import { randomArray } from '../../helpers/onnx-model.js';
import { opCase, type RuleCase } from '../../helpers/rule-case.js';
import { node, spaced } from '../../helpers/tiny-model.js';

const index = (data: number[], dims: number[] = [data.length]) => ({ idx: { dims, data } });

export const Gather: RuleCase[] = [
  opCase('class token x[:, 0] (scalar index, axis 1)', 'Gather', {
    dims: [2, 5, 4],
    inputs: ['x', 'idx'],
    ints: index([0], []),
    attrs: { axis: { int: 1 } },
  }),
  opCase('class token with a free batch dim', 'Gather', {
    dims: [2, 5, 4],
    batch: 'N',
    inputs: ['x', 'idx'],
    ints: index([0], []),
    attrs: { axis: { int: 1 } },
  }),
  opCase('negative scalar index on the last axis, opset 7', 'Gather', {
    dims: [2, 3, 4],
    inputs: ['x', 'idx'],
    ints: index([-1], []),
    attrs: { axis: { int: 2 } },
    opset: 7,
  }),
  opCase('repeated and negative indices (axis 1)', 'Gather', {
    dims: [2, 4, 3],
    inputs: ['x', 'idx'],
    ints: index([0, -1, 0, 2]),
    attrs: { axis: { int: 1 } },
  }),
  opCase('2-D indices on axis 0 (an embedding lookup)', 'Gather', {
    dims: [5, 3],
    inputs: ['x', 'idx'],
    ints: index([1, 4, 0, 1], [2, 2]),
  }),
  opCase('indices computed at run time (ArgMax of a constant)', 'Gather', {
    dims: [2, 5, 3],
    pre: [node('ArgMax', ['c'], ['idx'], { axis: { int: 1 }, keepdims: { int: 0 } })],
    floats: { c: { dims: [4, 5], data: randomArray(20, 3) } },
    inputs: ['x', 'idx'],
    attrs: { axis: { int: 1 } },
  }),
  opCase('indices from the input itself (ArgMax of x), negative-free', 'Gather', {
    dims: [5, 3],
    data: spaced(15, 4, 0.1),
    pre: [node('ArgMax', ['x'], ['idx'], { axis: { int: 0 }, keepdims: { int: 0 } })],
    inputs: ['x', 'idx'],
  }),
];

export const Tile: RuleCase[] = [
  opCase('repeats (2, 1)', 'Tile', {
    dims: [2, 3],
    inputs: ['x', 'r'],
    ints: { r: { dims: [2], data: [2, 1] } },
  }),
  opCase('repeats (3, 1, 2)', 'Tile', {
    dims: [1, 2, 3],
    inputs: ['x', 'r'],
    ints: { r: { dims: [3], data: [3, 1, 2] } },
  }),
  opCase('free batch dim, not repeated', 'Tile', {
    dims: [2, 2, 3],
    batch: 'N',
    inputs: ['x', 'r'],
    ints: { r: { dims: [3], data: [1, 2, 2] } },
  }),
];

const slice = (from: number, to: number, axis = 0) => ({
  st: { dims: [1], data: [from] },
  en: { dims: [1], data: [to] },
  ax: { dims: [1], data: [axis] },
});
/** The first rows of x, doubled: updates that depend on x too. */
const rowsOfX = node('Slice', ['x', 'st', 'en', 'ax'], ['s']);
const doubled = [rowsOfX, node('Add', ['s', 's'], ['u'])];

export const GatherElements: RuleCase[] = [
  opCase('constant indices without repeats (opset 13: ScatterElements)', 'GatherElements', {
    dims: [3, 4],
    inputs: ['x', 'idx'],
    ints: index([0, 2, 1, 2, 1, 0, 2, 0], [2, 4]),
  }),
  opCase('constant indices without repeats, opset 11', 'GatherElements', {
    dims: [3, 4],
    inputs: ['x', 'idx'],
    ints: index([2, 1, 0, 0, 0, 2, 1, 1], [2, 4]),
    opset: 11,
  }),
  opCase('repeated constant indices (opset 13: one-hot matrix)', 'GatherElements', {
    dims: [3, 4],
    inputs: ['x', 'idx'],
    ints: index([0, 2, 1, 2, 1, 0, 2, 2], [2, 4]),
  }),
  opCase('axis 1, repeats (opset 16: ScatterElements add)', 'GatherElements', {
    dims: [2, 4],
    inputs: ['x', 'idx'],
    ints: index([3, 3, 0, 1, 2, 1], [2, 3]),
    attrs: { axis: { int: 1 } },
    opset: 16,
  }),
  opCase('indices from the input (ArgMax of x), opset 16', 'GatherElements', {
    dims: [4, 3],
    data: spaced(12, 5, 0.1),
    pre: [node('ArgMax', ['x'], ['idx'], { axis: { int: 0 } })],
    inputs: ['x', 'idx'],
    opset: 16,
  }),
];

export const GatherND: RuleCase[] = [
  opCase('pairs into the first two dims, a repeat', 'GatherND', {
    dims: [3, 4, 2],
    inputs: ['x', 'idx'],
    ints: index([1, 2, 0, -1, 1, 2], [3, 2]),
  }),
  opCase('single indices: whole rows', 'GatherND', {
    dims: [3, 4],
    inputs: ['x', 'idx'],
    ints: index([2, 0], [2, 1]),
  }),
  opCase('indices from the input (ArgMax of x), opset 16: ScatterND add', 'GatherND', {
    dims: [4, 3],
    data: spaced(12, 6, 0.1),
    pre: [
      node('ArgMax', ['x'], ['a'], { axis: { int: 0 }, keepdims: { int: 0 } }),
      node('Unsqueeze', ['a', 'last'], ['idx']),
    ],
    ints: { last: { dims: [1], data: [-1] } },
    inputs: ['x', 'idx'],
    opset: 16,
  }),
];

export const ScatterND: RuleCase[] = [
  opCase('rows replaced by rows of x (constant indices)', 'ScatterND', {
    dims: [4, 3],
    pre: doubled,
    ints: { ...slice(0, 2), ...index([3, 1], [2, 1]) },
    inputs: ['x', 'idx', 'u'],
  }),
  opCase('single elements added (reduction add, opset 16)', 'ScatterND', {
    dims: [4, 3],
    pre: [node('Slice', ['x', 'st', 'en', 'ax'], ['c']), node('Reshape', ['c', 'flat'], ['u'])],
    ints: { ...slice(0, 1), flat: { dims: [1], data: [-1] }, ...index([0, 0, 3, 2, 0, 0], [3, 2]) },
    inputs: ['x', 'idx', 'u'],
    attrs: { reduction: { string: 'add' } },
    opset: 16,
  }),
  opCase('indices from the input (ArgMax of x): ScatterND and GatherND', 'ScatterND', {
    dims: [4, 3],
    data: spaced(12, 7, 0.1),
    pre: [
      rowsOfX,
      node('Add', ['s', 's'], ['u0']),
      // One row index (a scatter without reduction is undefined for repeated indices).
      node('ArgMax', ['x'], ['a'], { axis: { int: 0 }, keepdims: { int: 0 } }),
      node('Slice', ['a', 'st', 'one', 'ax'], ['a2']),
      node('Unsqueeze', ['a2', 'last'], ['idx']),
      node('Slice', ['u0', 'st', 'one', 'ax'], ['u']),
    ],
    ints: { ...slice(0, 2), one: { dims: [1], data: [1] }, last: { dims: [1], data: [-1] } },
    inputs: ['x', 'idx', 'u'],
  }),
];

export const ScatterElements: RuleCase[] = [
  opCase('rows of x written along axis 0 (constant indices)', 'ScatterElements', {
    dims: [4, 3],
    pre: doubled,
    ints: { ...slice(0, 2), ...index([3, 0, 1, 2, 3, 0], [2, 3]) },
    inputs: ['x', 'idx', 'u'],
  }),
  opCase('added along axis 1 (reduction add, opset 16)', 'ScatterElements', {
    dims: [3, 4],
    pre: [node('Slice', ['x', 'st', 'en', 'ax'], ['u'])],
    ints: { ...slice(0, 2, 1), ...index([3, 3, 0, 1, 2, 2], [3, 2]) },
    inputs: ['x', 'idx', 'u'],
    attrs: { axis: { int: 1 }, reduction: { string: 'add' } },
    opset: 16,
  }),
  opCase('indices from the input (ArgMax of x)', 'ScatterElements', {
    dims: [4, 3],
    data: spaced(12, 8, 0.1),
    pre: [
      node('Slice', ['x', 'st', 'en', 'ax'], ['s']),
      node('Add', ['s', 's'], ['u']),
      // One index per column (a scatter without reduction is undefined for repeats).
      node('ArgMax', ['x'], ['idx'], { axis: { int: 0 } }),
    ],
    ints: { ...slice(0, 1) },
    inputs: ['x', 'idx', 'u'],
  }),
];

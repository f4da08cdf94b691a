import { opCase, type RuleCase } from '../../helpers/rule-case.js';
import { node } from '../../helpers/tiny-model.js';

const ints = (data: number[]) => ({ dims: [data.length], data });
const INT64_MAX = 9007199254740991; // as large as a JS number holds exactly; clamps like INT64_MAX

export const Split: RuleCase[] = [
  opCase('split input, middle part unused (opset 13)', 'Split', {
    dims: [2, 6, 3],
    inputs: ['x', 'split'],
    ints: { split: ints([1, 2, 3]) },
    attrs: { axis: { int: 1 } },
    outputs: 3,
    post: [node('Concat', ['t2', 't'], ['y'], { axis: { int: 1 } })],
  }),
  opCase('equal parts, only the last used (opset 11)', 'Split', {
    dims: [4, 3],
    outputs: 2,
    opset: 11,
    post: [node('Identity', ['t1'], ['y'])],
  }),
  opCase('split attribute, negative axis (opset 11)', 'Split', {
    dims: [2, 5],
    attrs: { axis: { int: -1 }, split: { ints: [2, 3] } },
    outputs: 2,
    opset: 11,
    post: [
      node('Mul', ['t', 't'], ['s']),
      node('Concat', ['s', 't1'], ['y'], { axis: { int: 1 } }),
    ],
  }),
  opCase('num_outputs (opset 18), uneven', 'Split', {
    dims: [7, 2],
    attrs: { num_outputs: { int: 3 } },
    outputs: 3,
    opset: 18,
    post: [node('Concat', ['t', 't1', 't2'], ['y'], { axis: { int: 0 } })],
  }),
];

const slice = (starts: number[], ends: number[], axes?: number[], steps?: number[]) => ({
  inputs: ['x', 'starts', 'ends', ...(axes ? ['axes'] : []), ...(steps ? ['steps'] : [])],
  ints: {
    starts: ints(starts),
    ends: ints(ends),
    ...(axes ? { axes: ints(axes) } : {}),
    ...(steps ? { steps: ints(steps) } : {}),
  },
});

export const Slice: RuleCase[] = [
  opCase('step 1, one axis', 'Slice', { dims: [2, 7, 3], ...slice([1], [5], [1]) }),
  opCase('negative starts and ends, INT64_MAX end', 'Slice', {
    dims: [2, 7, 5],
    ...slice([-5, 1], [-1, INT64_MAX], [1, 2]),
  }),
  opCase('step 2 and step 3', 'Slice', {
    dims: [2, 9, 8],
    ...slice([1, 0], [9, 8], [1, 2], [2, 3]),
  }),
  opCase('step −1 (reverse)', 'Slice', {
    dims: [2, 6],
    ...slice([-1], [-INT64_MAX], [1], [-1]),
  }),
  opCase('step −2 from the middle', 'Slice', {
    dims: [3, 9],
    ...slice([7], [0], [1], [-2]),
  }),
  opCase('step −3 with a negative axis, two axes', 'Slice', {
    dims: [5, 10],
    ...slice([8, 1], [-INT64_MAX, 4], [-1, 0], [-3, 1]),
  }),
  opCase('no axes input: leading axes', 'Slice', { dims: [4, 5], ...slice([1, 2], [3, 5]) }),
  opCase('free batch dim, step 2 on the last axis', 'Slice', {
    dims: [2, 3, 7],
    batch: 'N',
    ...slice([1], [7], [2], [2]),
  }),
  opCase('attributes (opset 9)', 'Slice', {
    dims: [3, 6],
    attrs: { starts: { ints: [1] }, ends: { ints: [-1] }, axes: { ints: [1] } },
    opset: 9,
  }),
];

export const Pad: RuleCase[] = [
  opCase('positive pads (opset 13)', 'Pad', {
    dims: [1, 2, 3, 3],
    inputs: ['x', 'pads'],
    ints: { pads: ints([0, 0, 1, 2, 0, 0, 2, 0]) },
  }),
  opCase('negative pads crop, with a constant value', 'Pad', {
    dims: [1, 2, 5, 4],
    inputs: ['x', 'pads', 'value'],
    ints: { pads: ints([0, 0, -1, 2, 0, 0, -2, -1]) },
    floats: { value: { dims: [], data: [0.5] } },
  }),
  opCase('attribute pads (opset 7)', 'Pad', {
    dims: [2, 3],
    attrs: { pads: { ints: [1, 0, 0, 2] }, value: { float: 1 } },
    opset: 7,
  }),
  opCase('negative attribute pads (opset 10)', 'Pad', {
    dims: [2, 5],
    attrs: { pads: { ints: [0, -2, 1, 1] } },
    opset: 10,
  }),
  opCase('axes input (opset 18)', 'Pad', {
    dims: [2, 3, 4],
    inputs: ['x', 'pads', '', 'axes'],
    ints: { pads: ints([1, -1, 2, 1]), axes: ints([-1, 1]) },
    opset: 18,
  }),
];

export const Expand: RuleCase[] = [
  opCase('(3, 1) to (2, 3, 4)', 'Expand', {
    dims: [3, 1],
    inputs: ['x', 'shape'],
    ints: { shape: ints([2, 3, 4]) },
  }),
  opCase('same rank, opset 8', 'Expand', {
    dims: [1, 4],
    inputs: ['x', 'shape'],
    ints: { shape: ints([3, 1]) },
    opset: 8,
  }),
];

import { randomArray } from '../../helpers/onnx-model.js';
import { opCase, type RuleCase } from '../../helpers/rule-case.js';
import { node, spaced, tinyModel } from '../../helpers/tiny-model.js';

const constant = (dims: number[], seed: number, lo = -1, hi = 1) => ({
  dims,
  data: randomArray(
    dims.reduce((p, q) => p * q, 1),
    seed,
    lo,
    hi,
  ),
});

/**
 * The broadcasting matrix of one binary op: x as the left or right operand, against constants of
 * the same shape, of a broadcast shape, of a lower rank; x broadcast against a larger constant
 * (its gradient summed back); both operands from x; an old opset.
 * `range` keeps divisors away from 0 for Div.
 */
function binaryCases(op: string, range: [number, number] = [-1, 1]): RuleCase[] {
  const [lo, hi] = range;
  const data = (n: number, seed: number) => randomArray(n, seed, lo, hi);
  return [
    opCase('x op C, same shape', op, {
      dims: [2, 3, 4],
      data: data(24, 1),
      inputs: ['x', 'c'],
      floats: { c: constant([2, 3, 4], 2, lo, hi) },
    }),
    opCase('x op C, C (3, 1) broadcast', op, {
      dims: [2, 3, 4],
      data: data(24, 3),
      inputs: ['x', 'c'],
      floats: { c: constant([3, 1], 4, lo, hi) },
    }),
    opCase('C op x, C of lower rank (4)', op, {
      dims: [2, 3, 4],
      data: data(24, 5),
      inputs: ['c', 'x'],
      floats: { c: constant([4], 6, lo, hi) },
    }),
    opCase('x (3, 1) broadcast against C (2, 3, 4): summed back', op, {
      dims: [3, 1],
      data: data(3, 7),
      inputs: ['x', 'c'],
      floats: { c: constant([2, 3, 4], 8, lo, hi) },
    }),
    opCase('C (2, 1, 4) op x (3, 1): both broadcast', op, {
      dims: [3, 1],
      data: data(3, 9),
      inputs: ['c', 'x'],
      floats: { c: constant([2, 1, 4], 10, lo, hi) },
    }),
    opCase('x op x² (two paths to x)', op, {
      dims: [2, 3],
      data: data(6, 11),
      pre: [node('Mul', ['x', 'x'], ['sq'])],
      inputs: ['x', 'sq'],
    }),
    {
      name: 'x op slice of x (broadcast, both inputs differentiated)',
      model: tinyModel({
        inputs: { x: [2, 3, 4] },
        nodes: [node('Slice', ['x', 'st', 'en', 'ax'], ['s']), node(op, ['x', 's'], ['y'])],
        ints: {
          st: { dims: [1], data: [1] },
          en: { dims: [1], data: [2] },
          ax: { dims: [1], data: [2] },
        },
      }),
      input: { name: 'x', dims: [2, 3, 4], data: data(24, 12) },
    },
    opCase('opset 7, C (3, 1) broadcast', op, {
      dims: [2, 3, 4],
      data: data(24, 13),
      inputs: ['c', 'x'],
      floats: { c: constant([3, 1], 14, lo, hi) },
      opset: 7,
    }),
  ];
}

/** The same tensor as both operands (two gradient contributions from one node). */
const selfCase = (op: string): RuleCase =>
  opCase('x op x (one node, both inputs)', op, { dims: [2, 3], inputs: ['x', 'x'] });

export const Add = [...binaryCases('Add'), selfCase('Add')];
export const Sub = binaryCases('Sub');
export const Mul = [...binaryCases('Mul'), selfCase('Mul')];
// Divisors in [1, 2]: away from 0, and with a small third derivative (central differences).
export const Div = binaryCases('Div', [1, 2]);

// Sum and Mean take any number of inputs; two of them follow the binary matrix (which they
// broadcast only from opset 8).
const broadcasting = (op: string) => binaryCases(op).filter((c) => !c.name.startsWith('opset 7'));
export const Sum = [
  ...broadcasting('Sum'),
  opCase('three inputs, x twice', 'Sum', {
    dims: [2, 3],
    inputs: ['x', 'c', 'x'],
    floats: { c: constant([3], 20) },
  }),
];
export const Mean = [
  ...broadcasting('Mean'),
  opCase('three inputs, x twice', 'Mean', {
    dims: [2, 3],
    inputs: ['x', 'c', 'x'],
    floats: { c: constant([2, 3], 21) },
  }),
];

/** Values on multiples of 0.05: at least 0.025 from every `spaced` value (no near-ties). */
const grid = (dims: number[], seed: number) => ({
  dims,
  data: Float32Array.from(
    randomArray(
      dims.reduce((p, q) => p * q, 1),
      seed,
      -12,
      12,
    ),
    (v) => Math.round(v) * 0.05,
  ),
});

function extremumCases(op: 'Max' | 'Min'): RuleCase[] {
  return [
    opCase('x against C, same shape', op, {
      dims: [2, 3, 4],
      data: spaced(24, 1),
      inputs: ['x', 'c'],
      floats: { c: grid([2, 3, 4], 2) },
    }),
    opCase('x against C broadcast (3, 1), three inputs', op, {
      dims: [2, 3, 4],
      data: spaced(24, 3),
      inputs: ['x', 'c', 'd'],
      floats: { c: grid([3, 1], 4), d: grid([4], 5) },
    }),
    opCase('x (3, 1) broadcast against C: summed back', op, {
      dims: [3, 1],
      data: spaced(3, 6),
      inputs: ['c', 'x'],
      floats: { c: grid([2, 3, 4], 7) },
    }),
    opCase('opset 8 (no float Equal)', op, {
      dims: [2, 3],
      data: spaced(6, 8),
      inputs: ['x', 'c'],
      floats: { c: grid([2, 3], 9) },
      opset: 8,
    }),
    // Exact ties: each of the two equal inputs gets half, as PyTorch's maximum/minimum.
    opCase('x against itself: half each', op, {
      dims: [2, 2],
      data: Float32Array.from([1, -2, 3, 0.5]),
      inputs: ['x', 'x'],
      seed: Float32Array.from([1, 2, 3, 4]),
      expected: [1, 2, 3, 4],
    }),
    opCase('ties with a constant share the gradient', op, {
      dims: [4],
      data: Float32Array.from([1, 2, 3, 4]),
      inputs: ['x', 'c'],
      floats: { c: { dims: [4], data: [1, op === 'Max' ? 0 : 5, 3, op === 'Max' ? 0 : 5] } },
      seed: Float32Array.from([2, 2, 2, 2]),
      expected: [1, 2, 1, 2],
    }),
  ];
}

export const Max = extremumCases('Max');
export const Min = extremumCases('Min');

const shifted = (seed: number) => Float32Array.from(spaced(24, seed), (v) => v + 3);

// Float Mod needs fmod = 1 (onnxruntime refuses fmod = 0 for floats).
export const Mod: RuleCase[] = [
  opCase('fmod 1, x away from multiples of 2', 'Mod', {
    dims: [2, 3, 4],
    data: shifted(30),
    inputs: ['x', 'c'],
    floats: { c: { dims: [], data: [2] } },
    attrs: { fmod: { int: 1 } },
  }),
  opCase('fmod 1, negative x', 'Mod', {
    dims: [2, 3, 4],
    data: Float32Array.from(shifted(31), (v) => -v),
    inputs: ['x', 'c'],
    floats: { c: { dims: [], data: [2] } },
    attrs: { fmod: { int: 1 } },
  }),
];

export const Where: RuleCase[] = [
  opCase('C ? x : constant', 'Where', {
    dims: [2, 3, 4],
    data: spaced(24, 40),
    pre: [node('Greater', ['x', 'zero'], ['c'])],
    floats: { zero: { dims: [], data: [0] }, k: constant([2, 3, 4], 41) },
    inputs: ['c', 'x', 'k'],
  }),
  opCase('C ? constant : x, condition broadcast', 'Where', {
    dims: [2, 3, 4],
    data: spaced(24, 42),
    pre: [node('Greater', ['m', 'zero'], ['c'])],
    floats: {
      zero: { dims: [], data: [0] },
      m: constant([3, 1], 43),
      k: constant([4], 44),
    },
    inputs: ['c', 'k', 'x'],
  }),
  opCase('both branches from x (x and x²), x (3, 1) broadcast', 'Where', {
    dims: [3, 1],
    data: spaced(3, 45),
    pre: [node('Greater', ['m', 'zero'], ['c']), node('Mul', ['x', 'x'], ['sq'])],
    floats: { zero: { dims: [], data: [0] }, m: constant([2, 3, 4], 46) },
    inputs: ['c', 'x', 'sq'],
  }),
];

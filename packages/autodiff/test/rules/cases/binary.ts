import { randomArray } from '../../helpers/onnx-model.js';
import { opCase, type RuleCase } from '../../helpers/rule-case.js';
import { node, tinyModel } from '../../helpers/tiny-model.js';

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

import { randomArray } from '../../helpers/onnx-model.js';
import { opCase, type RuleCase } from '../../helpers/rule-case.js';
import { spaced } from '../../helpers/tiny-model.js';

const dims = [2, 3, 4];
const exponent = (value: number, opset?: number) => ({
  dims,
  inputs: ['x', 'p'],
  floats: { p: { dims: [], data: [value] } },
  ...(opset ? { opset } : {}),
});

export const Pow: RuleCase[] = [
  opCase('square (negative bases)', 'Pow', { ...exponent(2), data: spaced(24, 1, 0.1) }),
  opCase('cube, opset 7', 'Pow', { ...exponent(3, 7), data: spaced(24, 2, 0.1) }),
  opCase('exponent −1', 'Pow', { ...exponent(-1), data: randomArray(24, 3, 0.5, 2) }),
  opCase('exponent −2 (negative bases)', 'Pow', {
    ...exponent(-2),
    data: randomArray(24, 4, -2, -0.5),
  }),
  opCase('square root', 'Pow', { ...exponent(0.5), data: randomArray(24, 5, 0.5, 2) }),
  opCase('exponent 1.7', 'Pow', { ...exponent(1.7), data: randomArray(24, 6, 0.5, 2) }),
  opCase('exponent 1', 'Pow', { ...exponent(1) }),
  opCase('exponent tensor broadcast over x', 'Pow', {
    dims,
    inputs: ['x', 'p'],
    floats: { p: { dims: [4], data: [2, 0.5, 1.5, 3] } },
    data: randomArray(24, 7, 0.5, 2),
  }),
  // x (4) broadcast against p (2, 3, 4): the gradient is summed back over the broadcast axes.
  opCase('x broadcast against the exponent', 'Pow', {
    dims: [4],
    inputs: ['x', 'p'],
    floats: { p: { dims: [2, 3, 4], data: randomArray(24, 8, 1, 3) } },
    data: randomArray(4, 9, 0.5, 2),
  }),
];

import { randomArray } from '../../helpers/onnx-model.js';
import { type OpCaseOptions, opCase, type RuleCase } from '../../helpers/rule-case.js';
import { node, size, spaced, type TinyNode } from '../../helpers/tiny-model.js';

/**
 * Reference MaxPool backward for NCHW: every window sends its gradient to its first maximal
 * element in row-major window order (PyTorch's rule). Padding never wins (it is −∞).
 */
export function maxPoolBackward(
  x: ArrayLike<number>,
  dims: readonly number[],
  k: readonly number[],
  s: readonly number[],
  pads: readonly number[],
  dy: ArrayLike<number>,
  out: readonly number[],
  dilations: readonly number[] = [1, 1],
): Float32Array {
  const [n, c, h, w] = dims as [number, number, number, number];
  const [ho, wo] = out as [number, number];
  const dx = new Float32Array(n * c * h * w);
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++) {
        let best = -1;
        let bestV = Number.NEGATIVE_INFINITY;
        for (let a = 0; a < k[0]!; a++) {
          for (let b = 0; b < k[1]!; b++) {
            const y = i * s[0]! - pads[0]! + a * dilations[0]!;
            const xx = j * s[1]! - pads[1]! + b * dilations[1]!;
            if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
            const v = x[p * h * w + y * w + xx]!;
            if (v > bestV) {
              bestV = v;
              best = p * h * w + y * w + xx;
            }
          }
        }
        dx[best] = dx[best]! + dy[p * ho * wo + i * wo + j]!;
      }
    }
  }
  return dx;
}

const ints = (v: number[]) => ({ ints: v });

function pool(
  name: string,
  dims: number[],
  attrs: TinyNode['attrs'],
  extra: Partial<OpCaseOptions> = {},
): RuleCase {
  return opCase(name, 'MaxPool', { dims, attrs, data: spaced(size(dims), dims.length), ...extra });
}

// Ties: the 4×4 input below, after Relu, has many zeros and repeated maxima; every 2×2 window
// (stride 1, so windows overlap) must send its gradient to its first maximum only.
const tieX = Float32Array.from([
  ...[-1, -2, 3, 3],
  ...[-1, -1, 3, 1],
  ...[0.5, 0.5, -1, -1],
  ...[0.5, -3, -1, -2],
]);
const tieSeed = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
const tieRelu = tieX.map((v) => Math.max(v, 0));
// dL/dr from the reference, then through Relu (0 where x ≤ 0).
const tieExpected = maxPoolBackward(
  tieRelu,
  [1, 1, 4, 4],
  [2, 2],
  [1, 1],
  [0, 0],
  tieSeed,
  [3, 3],
).map((g, i) => (tieX[i]! > 0 ? g : 0));

// By hand (r = Relu(x), windows numbered by their seed 1…9 in row-major order): window 1 is all
// zeros (its first element, x = −1, gets nothing through Relu), 2 and 3 pick the 3 at (0,2),
// 5 and 6 the 3 at (1,2), 4 and 7 the 0.5 at (2,0), 8 the 0.5 at (2,1), 9 is all zeros.
const tieLiteral = [0, 0, 2 + 3, 0, 0, 0, 5 + 6, 0, 4 + 7, 8, 0, 0, 0, 0, 0, 0];

const tieInputsDirect = Float32Array.from([
  ...[1, 1, 0, 2],
  ...[1, 1, 2, 2],
  ...[0, 3, 3, 0],
  ...[3, 3, 0, 1],
]);

export const MaxPool: RuleCase[] = [
  pool('2×2 stride 2', [1, 2, 4, 6], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }),
  pool('3×3 stride 2, pads 1 (overlapping, ResNet stem)', [2, 2, 7, 7], {
    kernel_shape: ints([3, 3]),
    strides: ints([2, 2]),
    pads: ints([1, 1, 1, 1]),
  }),
  pool('3×3 stride 1, asymmetric pads', [1, 1, 5, 6], {
    kernel_shape: ints([3, 3]),
    pads: ints([0, 1, 2, 0]),
  }),
  pool('ceil_mode, 3×3 stride 2 (partial last window)', [1, 2, 6, 6], {
    kernel_shape: ints([3, 3]),
    strides: ints([2, 2]),
    ceil_mode: { int: 1 },
  }),
  // (A window that would start in the end padding is dropped by onnxruntime's kernel but not by
  // its ONNX shape inference, which then rejects the model: such geometries are avoided here.)
  pool('ceil_mode with pads (partial last window)', [1, 1, 6, 7], {
    kernel_shape: ints([3, 3]),
    strides: ints([2, 2]),
    pads: ints([1, 1, 1, 0]),
    ceil_mode: { int: 1 },
  }),
  pool('dilations 2', [1, 2, 7, 7], {
    kernel_shape: ints([2, 2]),
    dilations: ints([2, 2]),
    strides: ints([1, 2]),
  }),
  pool('kernel (2, 3), strides (1, 2)', [1, 1, 5, 7], {
    kernel_shape: ints([2, 3]),
    strides: ints([1, 2]),
  }),
  pool('auto_pad SAME_UPPER', [1, 1, 5, 5], {
    kernel_shape: ints([2, 2]),
    strides: ints([2, 2]),
    auto_pad: { string: 'SAME_UPPER' },
  }),
  pool(
    'with the Indices output (opset 12)',
    [1, 1, 4, 4],
    {
      kernel_shape: ints([2, 2]),
      strides: ints([2, 2]),
    },
    { outputs: 2, opset: 12 },
  ),
  pool(
    'opset 7, stride 2 (Conv one-hot windows)',
    [1, 2, 6, 6],
    {
      kernel_shape: ints([3, 3]),
      strides: ints([2, 2]),
    },
    { opset: 7 },
  ),
  opCase('ties after Relu go to the first maximum (overlapping windows)', 'MaxPool', {
    dims: [1, 1, 4, 4],
    data: tieX,
    pre: [node('Relu', ['x'], ['r'])],
    inputs: ['r'],
    attrs: { kernel_shape: ints([2, 2]) },
    seed: tieSeed,
    expected: tieExpected,
  }),
  opCase('ties, literal expected gradient', 'MaxPool', {
    dims: [1, 1, 4, 4],
    data: tieX,
    pre: [node('Relu', ['x'], ['r'])],
    inputs: ['r'],
    attrs: { kernel_shape: ints([2, 2]) },
    seed: tieSeed,
    expected: tieLiteral,
  }),
  opCase('ties without Relu, stride 2 and 1', 'MaxPool', {
    dims: [1, 1, 4, 4],
    data: tieInputsDirect,
    attrs: { kernel_shape: ints([2, 2]), strides: ints([1, 2]) },
    seed: randomArray(6, 5),
    expected: maxPoolBackward(
      tieInputsDirect,
      [1, 1, 4, 4],
      [2, 2],
      [1, 2],
      [0, 0],
      randomArray(6, 5),
      [3, 2],
    ),
  }),
];

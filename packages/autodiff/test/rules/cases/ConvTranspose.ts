import { randomArray } from '../../helpers/onnx-model.js';
import { type OpCaseOptions, opCase, type RuleCase } from '../../helpers/rule-case.js';
import type { TinyNode } from '../../helpers/tiny-model.js';

function ct(
  name: string,
  x: number[],
  w: number[],
  attrs: TinyNode['attrs'] = {},
  extra: Partial<OpCaseOptions> = {},
): RuleCase {
  const n = w.reduce((p, q) => p * q, 1);
  const group = (attrs.group as { int: number } | undefined)?.int ?? 1;
  const outC = w[1]! * group;
  return opCase(name, 'ConvTranspose', {
    dims: x,
    inputs: ['x', 'w', 'b'],
    attrs,
    floats: {
      w: { dims: w, data: randomArray(n, n, -0.5, 0.5) },
      b: { dims: [outC], data: randomArray(outC, 3) },
    },
    ...extra,
  });
}

const ints = (v: number[]) => ({ ints: v });

export const ConvTranspose: RuleCase[] = [
  ct('3×3, pads 1', [1, 2, 4, 4], [2, 3, 3, 3], { pads: ints([1, 1, 1, 1]) }),
  ct('stride 2, output_padding 1', [1, 2, 3, 3], [2, 2, 3, 3], {
    strides: ints([2, 2]),
    pads: ints([1, 1, 1, 1]),
    output_padding: ints([1, 1]),
  }),
  ct('asymmetric pads, stride (2, 1)', [1, 1, 3, 4], [1, 2, 3, 2], {
    strides: ints([2, 1]),
    pads: ints([0, 1, 2, 0]),
  }),
  ct('dilation 2', [1, 2, 3, 3], [2, 2, 2, 3], { dilations: ints([2, 2]) }),
  ct('groups 2', [1, 4, 3, 3], [4, 1, 3, 3], { group: { int: 2 }, pads: ints([1, 1, 1, 1]) }),
  ct('output_shape (odd total padding)', [1, 2, 3, 3], [2, 2, 3, 3], {
    strides: ints([2, 2]),
    output_shape: ints([6, 6]),
  }),
  ct('output_shape (total padding 3: 2 at the start)', [1, 1, 3, 3], [1, 2, 3, 3], {
    strides: ints([2, 2]),
    output_shape: ints([4, 5]),
  }),
  ct('auto_pad SAME_UPPER, stride 2 (odd total padding)', [1, 2, 3, 3], [2, 2, 3, 3], {
    strides: ints([2, 2]),
    auto_pad: { string: 'SAME_UPPER' },
  }),
  ct('auto_pad SAME_LOWER, stride 2 (odd total padding)', [1, 2, 3, 3], [2, 2, 3, 3], {
    strides: ints([2, 2]),
    auto_pad: { string: 'SAME_LOWER' },
  }),
  ct('free batch dim', [2, 2, 3, 3], [2, 2, 3, 3], { strides: ints([2, 2]) }, { batch: 'N' }),
  ct('1-D, stride 3, opset 7', [2, 2, 4], [2, 3, 3], { strides: ints([3]) }, { opset: 7 }),
];

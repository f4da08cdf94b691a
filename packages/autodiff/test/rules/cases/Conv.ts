import { randomArray } from '../../helpers/onnx-model.js';
import { type OpCaseOptions, opCase, type RuleCase } from '../../helpers/rule-case.js';
import type { TinyNode } from '../../helpers/tiny-model.js';

function conv(
  name: string,
  x: number[],
  w: number[],
  attrs: TinyNode['attrs'] = {},
  extra: Partial<OpCaseOptions> = {},
): RuleCase {
  const n = w.reduce((p, q) => p * q, 1);
  return opCase(name, 'Conv', {
    dims: x,
    inputs: ['x', 'w', 'b'],
    attrs,
    floats: {
      w: { dims: w, data: randomArray(n, n, -0.5, 0.5) },
      b: { dims: [w[0]!], data: randomArray(w[0]!, 3) },
    },
    ...extra,
  });
}

const ints = (v: number[]) => ({ ints: v });
const same = (mode: string) => ({ auto_pad: { string: mode } });

export const Conv: RuleCase[] = [
  conv('3×3, pads 1', [1, 2, 5, 5], [3, 2, 3, 3], { pads: ints([1, 1, 1, 1]) }),
  conv('batch 2, no padding, kernel_shape given', [2, 2, 4, 5], [2, 2, 2, 3], {
    kernel_shape: ints([2, 3]),
  }),
  conv('stride 2 (output_padding needed)', [1, 2, 8, 7], [2, 2, 3, 3], { strides: ints([2, 2]) }),
  conv('strides (2, 3), asymmetric pads', [1, 1, 7, 8], [2, 1, 3, 3], {
    strides: ints([2, 3]),
    pads: ints([0, 2, 1, 0]),
  }),
  conv('dilations 2, pads 2', [1, 2, 6, 6], [2, 2, 3, 3], {
    dilations: ints([2, 2]),
    pads: ints([2, 2, 2, 2]),
  }),
  conv('dilation and stride', [1, 1, 9, 9], [1, 1, 3, 3], {
    dilations: ints([2, 2]),
    strides: ints([2, 2]),
  }),
  conv('groups 2', [1, 4, 5, 5], [6, 2, 3, 3], { group: { int: 2 }, pads: ints([1, 1, 1, 1]) }),
  conv('depthwise (group = C), stride 2', [1, 3, 6, 6], [3, 1, 3, 3], {
    group: { int: 3 },
    strides: ints([2, 2]),
    pads: ints([1, 1, 1, 1]),
  }),
  conv('depthwise with multiplier 2', [1, 2, 5, 5], [4, 1, 3, 3], { group: { int: 2 } }),
  conv('depthwise with multiplier 3, stride 2, batch 2', [2, 2, 6, 6], [6, 1, 3, 3], {
    group: { int: 2 },
    strides: ints([2, 2]),
    pads: ints([1, 1, 1, 1]),
  }),
  conv('auto_pad SAME_UPPER, stride 2 (odd total)', [1, 2, 6, 6], [2, 2, 4, 4], {
    ...same('SAME_UPPER'),
    strides: ints([2, 2]),
  }),
  conv('auto_pad SAME_LOWER, stride 2 (odd total)', [1, 2, 6, 6], [2, 2, 4, 4], {
    ...same('SAME_LOWER'),
    strides: ints([2, 2]),
  }),
  conv('auto_pad SAME_UPPER, 3×3 stride 1', [1, 2, 5, 5], [2, 2, 3, 3], same('SAME_UPPER')),
  conv('auto_pad VALID, stride 2', [1, 2, 7, 6], [2, 2, 3, 3], {
    ...same('VALID'),
    strides: ints([2, 2]),
  }),
  conv('1×1 (pointwise)', [2, 3, 3, 3], [4, 3, 1, 1]),
  conv('1-D, stride 2, pads', [2, 2, 9], [3, 2, 3], { strides: ints([2]), pads: ints([1, 0]) }),
  conv('opset 7', [1, 2, 5, 5], [2, 2, 3, 3], { strides: ints([2, 2]) }, { opset: 7 }),
];

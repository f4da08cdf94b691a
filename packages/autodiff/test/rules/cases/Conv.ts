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

const dw = (c: number, k: number) => [c, 1, k, k];
const group = (c: number) => ({ group: { int: c } });

/**
 * Depthwise convolutions with strides (MobileNet's downsampling layers; their ConvTranspose is the
 * slowest input gradient on onnxruntime's CPU provider): odd sizes, asymmetric (TF "same") pads,
 * dilation, unequal strides, trailing rows the forward conv drops, 1×1 kernels, pads > kernel.
 */
export const StridedDepthwise: RuleCase[] = [
  conv('depthwise stride 2, odd size 7, pads 1', [1, 3, 7, 7], dw(3, 3), {
    ...group(3),
    strides: ints([2, 2]),
    pads: ints([1, 1, 1, 1]),
  }),
  conv('depthwise stride 2, TF same pads [0, 0, 1, 1], batch 2', [2, 4, 8, 8], dw(4, 3), {
    ...group(4),
    strides: ints([2, 2]),
    pads: ints([0, 0, 1, 1]),
  }),
  conv('depthwise stride 2, dilation 2, pads 2', [1, 2, 9, 9], dw(2, 3), {
    ...group(2),
    strides: ints([2, 2]),
    dilations: ints([2, 2]),
    pads: ints([2, 2, 2, 2]),
  }),
  conv(
    'depthwise strides (2, 3), 5×5 kernel, no pads (trailing rows dropped)',
    [1, 2, 10, 11],
    dw(2, 5),
    {
      ...group(2),
      strides: ints([2, 3]),
    },
  ),
  conv('depthwise 1×1 stride 2 on an odd size', [1, 3, 5, 5], dw(3, 1), {
    ...group(3),
    strides: ints([2, 2]),
  }),
  conv('depthwise stride 2, auto_pad SAME_UPPER', [1, 2, 7, 6], dw(2, 3), {
    ...group(2),
    ...same('SAME_UPPER'),
    strides: ints([2, 2]),
  }),
  conv('depthwise 1×1 stride 2, pads 1 (pad > kernel)', [1, 2, 5, 5], dw(2, 1), {
    ...group(2),
    strides: ints([2, 2]),
    pads: ints([1, 1, 1, 1]),
  }),
];

import { randomArray } from '../../helpers/onnx-model.js';
import { opCase, type RuleCase } from '../../helpers/rule-case.js';

const floats = (data: number[]) => ({ dims: [data.length], data });
const sizesOf = (data: number[]) => ({ dims: [data.length], data });

/** Resize (opset ≥ 11) of x (1, 2, 4, 5) with scales, or sizes when `sizes` is given. */
function resize(
  name: string,
  attrs: Record<string, string | number>,
  o: { scales?: number[]; sizes?: number[]; roi?: number[]; opset?: number; dims?: number[] },
): RuleCase {
  const dims = o.dims ?? [1, 2, 4, 5];
  const a: Record<string, { string: string } | { int: number } | { float: number }> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'string') a[k] = { string: v };
    else if (k === 'exclude_outside') a[k] = { int: v };
    else a[k] = { float: v };
  }
  return opCase(name, 'Resize', {
    dims,
    inputs: ['x', o.roi ? 'roi' : '', o.scales ? 'scales' : '', ...(o.sizes ? ['sizes'] : [])],
    attrs: a,
    floats: {
      ...(o.scales ? { scales: floats(o.scales) } : {}),
      ...(o.roi ? { roi: floats(o.roi) } : {}),
    },
    ...(o.sizes ? { ints: { sizes: sizesOf(o.sizes) } } : {}),
    data: randomArray(
      dims.reduce((p, q) => p * q, 1),
      5,
    ),
    ...(o.opset ? { opset: o.opset } : {}),
  });
}

const up = { scales: [1, 1, 2, 1.5] };
const down = { scales: [1, 1, 0.6, 0.5] };
const coordinates = [
  'half_pixel',
  'asymmetric',
  'align_corners',
  'pytorch_half_pixel',
  'tf_half_pixel_for_nn',
];

export const Resize: RuleCase[] = [
  ...coordinates.flatMap((c) => [
    resize(`nearest, ${c}, upsample`, { mode: 'nearest', coordinate_transformation_mode: c }, up),
    resize(`linear, ${c}, upsample`, { mode: 'linear', coordinate_transformation_mode: c }, up),
    resize(
      `nearest, ${c}, downsample`,
      { mode: 'nearest', coordinate_transformation_mode: c },
      down,
    ),
    resize(`linear, ${c}, downsample`, { mode: 'linear', coordinate_transformation_mode: c }, down),
  ]),
  ...['round_prefer_ceil', 'floor', 'ceil'].map((m) =>
    resize(`nearest_mode ${m}`, { mode: 'nearest', nearest_mode: m }, { scales: [1, 1, 1.5, 2.5] }),
  ),
  resize(
    'half_pixel_symmetric, linear (opset 19)',
    {
      mode: 'linear',
      coordinate_transformation_mode: 'half_pixel_symmetric',
    },
    { scales: [1, 1, 1.7, 0.8], opset: 19 },
  ),
  resize(
    'tf_crop_and_resize, linear, extrapolated border',
    {
      mode: 'linear',
      coordinate_transformation_mode: 'tf_crop_and_resize',
      extrapolation_value: 0.5,
    },
    { roi: [0, 0, -0.2, 0.1, 1, 1, 0.9, 1.3], sizes: [1, 2, 5, 6] },
  ),
  resize(
    'tf_crop_and_resize, nearest',
    {
      mode: 'nearest',
      coordinate_transformation_mode: 'tf_crop_and_resize',
    },
    { roi: [0, 0, 0.2, 0.1, 1, 1, 0.8, 0.9], sizes: [1, 2, 6, 4] },
  ),
  resize('sizes instead of scales, linear', { mode: 'linear' }, { sizes: [1, 2, 7, 3] }),
  resize('cubic', { mode: 'cubic' }, { scales: [1, 1, 2, 1.6] }),
  resize(
    'cubic, exclude_outside, a = −0.5, align_corners',
    {
      mode: 'cubic',
      cubic_coeff_a: -0.5,
      exclude_outside: 1,
      coordinate_transformation_mode: 'align_corners',
    },
    { scales: [1, 1, 1.5, 2] },
  ),
  opCase('free batch dim, linear', 'Resize', {
    dims: [2, 2, 3, 3],
    batch: 'N',
    inputs: ['x', '', 'scales'],
    attrs: { mode: { string: 'linear' } },
    floats: { scales: floats([1, 1, 2, 1.5]) },
  }),
  resize('3-D input, linear', { mode: 'linear' }, { scales: [1, 2, 1.5], dims: [2, 3, 4] }),
  opCase('opset 10, nearest (asymmetric, truncating)', 'Resize', {
    dims: [1, 2, 3, 4],
    inputs: ['x', 'scales'],
    floats: { scales: floats([1, 1, 2.5, 1.5]) },
    opset: 10,
  }),
  opCase('opset 10, linear', 'Resize', {
    dims: [1, 2, 3, 4],
    inputs: ['x', 'scales'],
    attrs: { mode: { string: 'linear' } },
    floats: { scales: floats([1, 1, 2, 1.5]) },
    opset: 10,
  }),
];

export const Upsample: RuleCase[] = [
  opCase('free batch dim, nearest (opset 9)', 'Upsample', {
    dims: [2, 1, 2, 3],
    batch: 'N',
    inputs: ['x', 'scales'],
    floats: { scales: floats([1, 1, 2, 2]) },
    opset: 9,
  }),
  opCase('nearest ×2, scales attribute (opset 7)', 'Upsample', {
    dims: [1, 2, 3, 3],
    attrs: { scales: { floats: [1, 1, 2, 2] } },
    opset: 7,
  }),
  opCase('linear, scales attribute (opset 7)', 'Upsample', {
    dims: [1, 2, 3, 4],
    attrs: { scales: { floats: [1, 1, 2, 1.5] }, mode: { string: 'linear' } },
    opset: 7,
  }),
  opCase('nearest, scales input (opset 9)', 'Upsample', {
    dims: [1, 2, 3, 4],
    inputs: ['x', 'scales'],
    floats: { scales: floats([1, 1, 1.5, 3]) },
    opset: 9,
  }),
  opCase('linear, scales input (opset 9)', 'Upsample', {
    dims: [1, 1, 4, 4],
    inputs: ['x', 'scales'],
    attrs: { mode: { string: 'linear' } },
    floats: { scales: floats([1, 1, 2, 2]) },
    opset: 9,
  }),
];

import { opCase, type RuleCase } from '../../helpers/rule-case.js';
import type { TinyNode } from '../../helpers/tiny-model.js';

const ints = (v: number[]) => ({ ints: v });
const avg = (name: string, dims: number[], attrs: TinyNode['attrs'], opset?: number): RuleCase =>
  opCase(name, 'AveragePool', { dims, attrs, ...(opset ? { opset } : {}) });

export const AveragePool: RuleCase[] = [
  avg('2×2 stride 2', [1, 2, 4, 6], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }),
  ...[0, 1].flatMap((include) => [
    avg(`3×3 stride 1, pads 1, count_include_pad ${include}`, [1, 2, 5, 5], {
      kernel_shape: ints([3, 3]),
      pads: ints([1, 1, 1, 1]),
      count_include_pad: { int: include },
    }),
    avg(`ceil_mode, pads, count_include_pad ${include}`, [1, 1, 6, 7], {
      kernel_shape: ints([3, 3]),
      strides: ints([2, 2]),
      pads: ints([1, 0, 1, 1]),
      ceil_mode: { int: 1 },
      count_include_pad: { int: include },
    }),
  ]),
  avg('ceil_mode without pads (partial windows)', [2, 1, 5, 5], {
    kernel_shape: ints([2, 2]),
    strides: ints([2, 2]),
    ceil_mode: { int: 1 },
  }),
  avg('overlapping (3, 2) windows, strides (1, 2)', [1, 2, 5, 6], {
    kernel_shape: ints([3, 2]),
    strides: ints([1, 2]),
  }),
  avg('auto_pad SAME_UPPER', [1, 1, 5, 5], {
    kernel_shape: ints([3, 3]),
    strides: ints([2, 2]),
    auto_pad: { string: 'SAME_UPPER' },
  }),
  avg(
    'opset 7, count_include_pad 1',
    [1, 2, 4, 4],
    {
      kernel_shape: ints([3, 3]),
      pads: ints([1, 1, 1, 1]),
      count_include_pad: { int: 1 },
    },
    7,
  ),
];

export const GlobalAveragePool: RuleCase[] = [
  opCase('NCHW', 'GlobalAveragePool', { dims: [2, 3, 4, 5] }),
  opCase('NCL, opset 7', 'GlobalAveragePool', { dims: [1, 2, 6], opset: 7 }),
];

import { DataType } from '../onnx.js';
import type { GradientRule } from '../rule.js';
import { mulDims } from '../shapes/dims.js';

/** Y = the number of elements of X, int64: no gradient flows through it. */
export const Size: GradientRule = {
  opType: 'Size',
  shape: () => [[]],
  fold: (ctx) => {
    const s = ctx.input(0);
    return s && [{ elemType: DataType.INT64, dims: [], values: [mulDims(s)] }];
  },
};

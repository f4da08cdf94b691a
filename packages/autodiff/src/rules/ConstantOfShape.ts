import { constantNodeValue } from '../graph.js';
import { DataType } from '../onnx.js';
import type { GradientRule } from '../rule.js';
import { isStatic, product } from '../shapes/dims.js';
import { MAX_FOLDED_ELEMENTS } from '../shapes/values.js';

/** Y = a tensor of the given shape filled with `value` (float 0 by default): no gradient. */
export const ConstantOfShape: GradientRule = {
  opType: 'ConstantOfShape',
  shape: (ctx) => [ctx.value(0)?.values],
  fold: (ctx) => {
    const dims = ctx.value(0)?.values;
    if (!dims || !isStatic(dims) || product(dims) > MAX_FOLDED_ELEMENTS) return undefined;
    const v = constantNodeValue(ctx.node) ?? { elemType: DataType.FLOAT, dims: [1], values: [0] };
    return [
      {
        elemType: v.elemType,
        dims,
        values: new Array<number>(product(dims)).fill(v.values[0] ?? 0),
      },
    ];
  },
};

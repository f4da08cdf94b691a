import { DataType, isFloatType } from '../onnx.js';
import { foldElementwise, isIntegerType } from '../shapes/functions.js';
import { unaryRule } from './elementwise.js';

/**
 * Y = X converted to another element type. To a float type, dX = dY (cast back to X's type
 * between float types); from an integer type that carries a gradient (the straight-through
 * path of a quantized model, see QuantizeLinear) dY passes unchanged, in the float units of the
 * dequantized value. A cast to an integer or boolean type carries no gradient.
 */
export const Cast = unaryRule(
  'Cast',
  (ctx, dY) => {
    const from = ctx.index.elemTypes.get(ctx.I(0));
    const to = ctx.int('to', DataType.FLOAT);
    if (from === undefined || from === to || !isFloatType(from)) return dY;
    return ctx.op('Cast', [dY], { to: { int: from } });
  },
  [],
  {
    carriesGradient: (node) =>
      isFloatType(Number(node.attribute.find((a) => a.name === 'to')?.i ?? DataType.FLOAT)),
    fold: (ctx) => {
      const to = ctx.int('to', DataType.FLOAT);
      const convert = (a: number) =>
        to === DataType.BOOL ? (a !== 0 ? 1 : 0) : isIntegerType(to) ? Math.trunc(a) : a;
      return foldElementwise(
        ([a]) => (typeof a === 'number' ? convert(a) : isIntegerType(to) ? a : undefined),
        () => to,
      )(ctx);
    },
  },
);

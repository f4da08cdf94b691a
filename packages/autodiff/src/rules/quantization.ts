// Straight-through gradients for quantized models. Gradients of integer tensors are taken with
// respect to their raw integer values (as floats): DequantizeLinear y = (q − zp)·s sends dq = dy·s,
// QuantizeLinear q = round(x/s) + zp sends dx = dq/s (the rounding is passed straight through),
// so a QuantizeLinear → DequantizeLinear pair is the identity, and the integer kernels
// (MatMulInteger, ConvInteger) are differentiated as their float counterparts on raw values.
import { DataType } from '../onnx.js';
import type { RuleContext } from '../rule.js';
import { normAxis } from '../shapes/dims.js';

/**
 * The scale input of a (De)QuantizeLinear node, shaped to broadcast against its data input:
 * a scalar as is, a per-axis vector [C] reshaped to size C on `axis` (default 1) and 1 elsewhere.
 */
export function broadcastScale(ctx: RuleContext, scaleInput: number, dataInput: number): string {
  const scale = ctx.I(scaleInput);
  const rank = ctx.symbolicShape(ctx.I(dataInput)).length;
  const s = ctx.symbolicShape(scale);
  if (s.length === 0 || (s.length === 1 && s[0] === 1)) return scale;
  if (ctx.int('block_size', 0) !== 0) ctx.unsupported('blocked quantization is not supported');
  const axis = normAxis(ctx.int('axis', 1), rank);
  const dims = Array.from({ length: rank }, (_, i) => (i === axis ? -1 : 1));
  return ctx.reshape(scale, dims);
}

/**
 * A constant quantized operand (input `input`, zero point input `zpInput`) as floats: its raw
 * integer values minus the zero point, Cast(W) − Cast(zp), a vector zero point taken per slice
 * along `axis` (Cast from 8-bit integers runs on WebGPU; the weights are not copied).
 */
export function integerOperand(
  ctx: RuleContext,
  input: number,
  zpInput: number,
  axis: number,
): string {
  const float = { to: { int: DataType.FLOAT } };
  const w = ctx.op('Cast', [ctx.I(input)], float);
  const zpName = ctx.I(zpInput);
  if (!zpName) return w;
  let zp = ctx.op('Cast', [zpName], float);
  const rank = ctx.symbolicShape(ctx.I(input)).length;
  const zs = ctx.symbolicShape(zpName);
  if (zs.length === 1 && zs[0] !== 1) {
    const a = normAxis(axis, rank);
    zp = ctx.reshape(
      zp,
      Array.from({ length: rank }, (_, i) => (i === a ? -1 : 1)),
    );
  }
  return ctx.op('Sub', [w, zp]);
}

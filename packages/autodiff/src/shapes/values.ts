// Tensor values known at build time: constants, and the small integer computations on shapes
// (Shape → Gather → Concat → Reshape) that exporters emit, folded during shape inference.
import type { Dim } from './dims.js';

/**
 * A tensor whose value is known while the gradient graph is built. Values are numbers, or dims
 * (symbols) where they come from the shape of a tensor with free dims.
 */
export interface TensorValue {
  /** ONNX element type (`TensorProto.DataType`). */
  readonly elemType: number;
  readonly dims: readonly number[];
  readonly values: readonly Dim[];
}

/** A {@link TensorValue} made of numbers only. */
export interface ConstValue extends TensorValue {
  readonly values: readonly number[];
}

export function isConstValue(v: TensorValue | undefined): v is ConstValue {
  return !!v && v.values.every((x) => typeof x === 'number');
}

/** Where rules and shape functions read known values from (the shape table, or the bare graph). */
export interface ValueSource {
  /** The numeric value of a tensor, or `undefined` when it is not known at build time. */
  constValue(name: string): ConstValue | undefined;
}

/** The largest tensor (in elements) whose value shape inference keeps. */
export const MAX_FOLDED_ELEMENTS = 4096;

import { FvError } from './errors.js';

/** A dense float32 tensor in row-major order. The shape type every fv package shares. */
export interface Tensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/**
 * The value of an IEEE 754 half-precision number given by its 16 bits (float16 tensors in ONNX
 * files, `<f2` arrays in `.npy` files).
 */
export function float16ToNumber(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const f = bits & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/**
 * Makes a tensor, checking that `data` holds exactly as many elements as `dims` says.
 * @throws FvError `SHAPE_MISMATCH` when the lengths differ.
 */
export function tensor(data: Float32Array | readonly number[], dims: readonly number[]): Tensor {
  const array = data instanceof Float32Array ? data : Float32Array.from(data);
  const expected = sizeOf(dims);
  if (array.length !== expected) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `Tensor data has ${array.length} elements but shape [${dims.join(', ')}] needs ${expected}`,
    );
  }
  return { data: array, dims: [...dims] };
}

// NumPy `.npy` files (format versions 1.0–3.0): read any little-endian float or integer array in
// C order as float32, write float32. Enough for `fv grad` and `fv saliency --save-npy`.
import { FvError, float16ToNumber } from '@fv/core';

/** A float32 array with its shape, as read from or written to a `.npy` file. */
export interface NpyArray {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Parses `.npy` bytes. Accepts dtypes `<f4`, `<f8`, `<f2`, `|u1`, `|i1`, `<i2`, `<i4`, `<i8`,
 * `<u2`, `<u4` in C order; values are converted to float32.
 * @throws FvError `INVALID_ARGUMENT` naming what is wrong (`what` names the file in messages).
 */
export function readNpy(bytes: Uint8Array, what = 'array'): NpyArray {
  const fail = (why: string): never => {
    throw new FvError('INVALID_ARGUMENT', `${what} is not a usable .npy file: ${why}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('no \\x93NUMPY header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6] as number;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, headerStart + headerLength),
  );
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1] ?? fail('no descr in the header');
  if (/'fortran_order':\s*True/.test(header)) fail('Fortran order is not supported');
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? fail('no shape in the header');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLength;
  const kinds: Record<string, [number, (o: number) => number]> = {
    '<f4': [4, (o) => view.getFloat32(o, true)],
    '<f8': [8, (o) => view.getFloat64(o, true)],
    '<f2': [2, (o) => float16ToNumber(view.getUint16(o, true))],
    '|u1': [1, (o) => view.getUint8(o)],
    '|i1': [1, (o) => view.getInt8(o)],
    '<i2': [2, (o) => view.getInt16(o, true)],
    '<u2': [2, (o) => view.getUint16(o, true)],
    '<i4': [4, (o) => view.getInt32(o, true)],
    '<u4': [4, (o) => view.getUint32(o, true)],
    '<i8': [8, (o) => Number(view.getBigInt64(o, true))],
  };
  const kind = kinds[descr] ?? fail(`dtype '${descr}' is not supported`);
  const [size, get] = kind;
  if (bytes.length < offset + count * size) {
    fail(
      `expected ${count * size} data bytes for shape (${shape.join(', ')}), found ${bytes.length - offset}`,
    );
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = get(offset + i * size);
  return { data, shape };
}

/** Encodes a float32 array as a `.npy` (version 1.0, `<f4`, C order) file. */
export function writeNpy(array: NpyArray): Uint8Array {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `shape (${array.shape.join(', ')}) holds ${count} values, the data has ${array.data.length}`,
    );
  }
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = `${header}${' '.repeat(pad % 64)}\n`;
  const out = new Uint8Array(10 + header.length + count * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const offset = 10 + header.length;
  for (let i = 0; i < count; i++) view.setFloat32(offset + i * 4, array.data[i] as number, true);
  return out;
}

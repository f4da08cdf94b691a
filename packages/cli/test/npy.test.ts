import { describe, expect, test } from 'vitest';
import { readNpy, writeNpy } from '../src/npy.js';

describe('npy', () => {
  test('round-trips float32 arrays with a 64-byte aligned header', () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
    const bytes = writeNpy({ data, shape: [1, 2, 3, 4] });
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + headerLength) % 64).toBe(0);
    const back = readNpy(bytes);
    expect(back.shape).toEqual([1, 2, 3, 4]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  test('reads what NumPy writes: float64, uint8, int64 and 1-D shapes', () => {
    const make = (descr: string, shape: string, body: Uint8Array): Uint8Array => {
      let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
      header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
      const out = new Uint8Array(10 + header.length + body.length);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      new DataView(out.buffer).setUint16(8, header.length, true);
      out.set(new TextEncoder().encode(header), 10);
      out.set(body, 10 + header.length);
      return out;
    };
    const f64 = new Float64Array([1.5, -2.25, 3]);
    expect(Array.from(readNpy(make('<f8', '(3,)', new Uint8Array(f64.buffer))).data)).toEqual([
      1.5, -2.25, 3,
    ]);
    expect(readNpy(make('|u1', '(2, 1)', Uint8Array.of(7, 255))).shape).toEqual([2, 1]);
    const i64 = new BigInt64Array([5n, -6n]);
    expect(Array.from(readNpy(make('<i8', '(2,)', new Uint8Array(i64.buffer))).data)).toEqual([
      5, -6,
    ]);
  });

  test('rejects other files with a message that names the file', () => {
    expect(() => readNpy(new Uint8Array(20), "'x.npy'")).toThrow(
      /'x\.npy' is not a usable \.npy file/,
    );
    const fortran = writeNpy({ data: new Float32Array(2), shape: [2] });
    const text = new TextDecoder('latin1')
      .decode(fortran)
      .replace("'fortran_order': False", "'fortran_order': True ");
    const patched = Uint8Array.from(text, (c) => c.charCodeAt(0));
    expect(() => readNpy(patched)).toThrow(/Fortran order/);
  });

  test('writeNpy checks the shape against the data', () => {
    expect(() => writeNpy({ data: new Float32Array(5), shape: [2, 3] })).toThrow(/holds 6 values/);
  });
});

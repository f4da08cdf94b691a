// Weight-only quantized and float16-weight models: the weights reach Conv/Gemm through
// DequantizeLinear (int8) or Cast (float16). Those subgraphs are constant, so they need no rule and
// get no gradient; the input gradient must still be right.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { buildGradientModel, inspectModel } from '../src/index.js';
import { gradCheck } from './helpers/gradcheck.js';
import { buildModel, randomArray } from './helpers/onnx-model.js';

/** IEEE 754 half-precision bits of a float (round to nearest even is not needed for test data). */
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = (x >>> 13) & 0x3ff;
  if (exp <= 0) return sign;
  return sign | (exp << 10) | mant;
}

function quantizedModel(): Uint8Array {
  const base = fromBinary(
    ModelProtoSchema,
    buildModel({
      inputs: [{ name: 'x', dims: [1, 2, 6, 6] }],
      outputs: [{ name: 'y', dims: [1, 3] }],
      floatInits: [{ name: 'w_scale', dims: [], data: [0.02] }],
      nodes: [
        { op: 'DequantizeLinear', inputs: ['w_q', 'w_scale', 'w_zero'], outputs: ['w'] },
        {
          op: 'Conv',
          inputs: ['x', 'w'],
          outputs: ['c'],
          attrs: { kernel_shape: { ints: [3, 3] } },
        },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op: 'Flatten', inputs: ['r'], outputs: ['f'] },
        { op: 'Cast', inputs: ['fc_half'], outputs: ['fc'], attrs: { to: { int: 1 } } },
        { op: 'Gemm', inputs: ['f', 'fc'], outputs: ['y'], attrs: { transB: { int: 1 } } },
      ],
    }),
  );
  const q = Int8Array.from(randomArray(4 * 2 * 9, 3, -60, 60), Math.round);
  const half = Uint16Array.from(randomArray(3 * 64, 4, -0.3, 0.3), toHalf);
  base.graph!.initializer.push(
    create(TensorProtoSchema, {
      name: 'w_q',
      dims: [4n, 2n, 3n, 3n],
      dataType: 3,
      rawData: new Uint8Array(q.buffer),
    }),
    create(TensorProtoSchema, {
      name: 'w_zero',
      dims: [],
      dataType: 3,
      rawData: new Uint8Array(1),
    }),
    create(TensorProtoSchema, {
      name: 'fc_half',
      dims: [3n, 64n],
      dataType: 10,
      rawData: new Uint8Array(half.buffer),
    }),
  );
  return toBinary(ModelProtoSchema, base);
}

describe('models with int8 (DequantizeLinear) and float16 (Cast) weights', () => {
  const model = quantizedModel();

  it('differentiate the input through the dequantized weights without rules for them', async () => {
    const r = await gradCheck(model, {
      objective: { kind: 'logit', output: 'y' },
      input: { name: 'x', data: randomArray(72, 9), dims: [1, 2, 6, 6] },
      directions: 3,
    });
    expect(r.alongGradientError).toBeLessThan(1e-2);
    expect(r.worstRelError).toBeLessThan(2e-2);
  });

  it('does not copy the weights into the gradient model', () => {
    const gm = buildGradientModel(model, { objective: { kind: 'logit', output: 'y' } });
    const added = gm.bytes.length - model.length;
    // A few hundred bytes of new nodes, far from another copy of the weights' 472 bytes each time.
    expect(added).toBeLessThan(3000);
    expect(inspectModel(model).unsupportedOps).toEqual([]);
  });
});

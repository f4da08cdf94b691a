import { create, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { FvError } from '@fv/core';
import { type GraphProtoSchema, ModelProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { appendGraphOutputs, decodeModel, inspectModel, summarizeModel } from '../src/index.js';
import { makeNode, makeValueInfo } from '../src/onnx.js';
import { buildModel, randomArray } from './helpers/onnx-model.js';
import { run, session } from './helpers/ort.js';

const model = buildModel({
  inputs: [{ name: 'x', dims: ['N', 2, 6, 6] }],
  outputs: [{ name: 'y', dims: ['N', 3] }],
  floatInits: [{ name: 'w', dims: [3, 2, 3, 3], data: randomArray(54, 1) }],
  intInits: [{ name: 'axes', dims: [1], data: [0] }],
  nodes: [
    { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: { ints: [3, 3] } } },
    { op: 'Relu', inputs: ['c'], outputs: ['r'] },
    { op: 'Shape', inputs: ['r'], outputs: ['s'] },
    { op: 'Cast', inputs: ['r'], outputs: ['i'], attrs: { to: { int: 7 } } },
    { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['g'] },
    { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
  ],
});

/** A model around `graph` (none when undefined), with no ir_version when `irVersion` is 0. */
function rawModel(graph?: MessageInitShape<typeof GraphProtoSchema>, irVersion = 8n): Uint8Array {
  const init = graph ? { irVersion, graph } : { irVersion };
  return toBinary(ModelProtoSchema, create(ModelProtoSchema, init));
}

describe('summarizeModel', () => {
  it('gives the same views of a model decoded once as of its bytes (and leaves it unchanged)', () => {
    const decoded = decodeModel(model);
    const before = toBinary(ModelProtoSchema, decoded);
    expect(summarizeModel(decoded)).toEqual(summarizeModel(model));
    expect(inspectModel(decoded)).toEqual(inspectModel(model));
    expect(toBinary(ModelProtoSchema, decoded)).toEqual(before);
  });

  it('lists real inputs, outputs, layers, element types, tensor names and nodes', () => {
    const s = summarizeModel(model);
    expect(s.inputs).toEqual([{ name: 'x', type: 'float32', dims: ['N', 2, 6, 6] }]);
    expect(s.outputs).toEqual([{ name: 'y', type: 'float32', dims: ['N', 3] }]);
    expect(s.layers.map((l) => [l.name, l.opType, l.dims, l.differentiable])).toEqual([
      ['c', 'Conv', null, true],
      ['r', 'Relu', null, true],
      ['s', 'Shape', null, false],
      ['i', 'Cast', null, false],
      ['g', 'GlobalAveragePool', null, true],
      ['y', 'Flatten', ['N', 3], true],
    ]);
    expect(Object.fromEntries(s.elemTypes)).toEqual({ x: 1, y: 1, w: 1, axes: 7 });
    expect([...s.tensorNames].sort()).toEqual(['axes', 'c', 'g', 'i', 'r', 's', 'w', 'x', 'y']);
    expect(s.nodes[0]).toEqual({ name: 'Conv_0', opType: 'Conv' });
    expect(s.nodes.map((n) => n.opType)).toEqual([
      'Conv',
      'Relu',
      'Shape',
      'Cast',
      'GlobalAveragePool',
      'Flatten',
    ]);
  });

  it('names unknown element types and takes dims from value_info', () => {
    const bytes = rawModel({
      node: [makeNode('Relu', ['x'], ['h'], 'relu'), makeNode('Neg', ['h'], ['y'], 'neg')],
      input: [makeValueInfo('x', 0, undefined)],
      output: [makeValueInfo('y', 1, undefined)],
      valueInfo: [makeValueInfo('h', 1, [1, null, 'H'])],
    });
    const s = summarizeModel(bytes);
    expect(s.inputs).toEqual([{ name: 'x', type: 'unknown', dims: [] }]);
    expect(s.layers.map((l) => l.dims)).toEqual([[1, null, 'H'], null]);
  });

  it('rejects bytes that are not an ONNX model with INVALID_MODEL and says why', () => {
    const garbage = Uint8Array.from({ length: 200 }, (_, i) => (i * 37) % 256);
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /empty/],
      [garbage, /protobuf parsing failed/],
      [new TextEncoder().encode('not a model'), /protobuf parsing failed/],
      [model.subarray(0, model.length - 7), /protobuf parsing failed/],
      [rawModel(), /no graph/],
      [rawModel({ node: [] }), /no nodes/],
      [rawModel({ node: [makeNode('Relu', ['x'], ['y'], 'r')] }, 0n), /ir_version/],
    ];
    for (const [bytes, message] of cases) {
      let error: unknown;
      try {
        summarizeModel(bytes);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FvError);
      expect(error).toMatchObject({
        code: 'INVALID_MODEL',
        message: expect.stringMatching(message),
      });
    }
  });
});

describe('appendGraphOutputs', () => {
  it('appends a delta after the unchanged original bytes', () => {
    const extended = appendGraphOutputs(model, [{ name: 'r', elemType: 1 }, { name: 's' }]);
    expect(extended.subarray(0, model.length)).toEqual(model);
    expect(extended.length - model.length).toBeLessThan(40);
    const s = summarizeModel(extended);
    expect(s.outputs).toEqual([
      { name: 'y', type: 'float32', dims: ['N', 3] },
      { name: 'r', type: 'float32', dims: [] },
      { name: 's', type: 'unknown', dims: [] },
    ]);
    expect(s.layers).toEqual(summarizeModel(model).layers.map((l) => expect.objectContaining(l)));
  });

  it('lets onnxruntime return intermediate tensors and infer the types no value_info gives', async () => {
    const summary = summarizeModel(model);
    // 'r' is a float, 's' (Shape) and 'i' (Cast to int64) have no declared type.
    const extra = ['r', 's', 'i'];
    expect(extra.map((name) => summary.elemTypes.get(name))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const extended = appendGraphOutputs(model, [
      { name: 'r', elemType: 1 },
      { name: 's', elemType: summary.elemTypes.get('s') },
      { name: 'i' },
    ]);
    const s = await session(extended);
    const x = new ort.Tensor('float32', randomArray(72, 2), [1, 2, 6, 6]);
    const result = await s.run({ x }, [...extra, 'y']);
    expect(result.r?.dims).toEqual([1, 3, 4, 4]);
    expect(Array.from(result.s?.data as BigInt64Array)).toEqual([1n, 3n, 4n, 4n]);
    expect(result.i?.type).toBe('int64');
    const r = result.r?.data as Float32Array;
    expect(Array.from(result.i?.data as BigInt64Array)).toEqual(
      [...r].map((v) => BigInt(Math.trunc(v))),
    );
    const plain = await run(model, { x: { data: x.data as Float32Array, dims: x.dims } });
    expect(result.y?.data).toEqual(plain.y?.data);
  });

  it('declares the given element type (onnxruntime checks it against the inferred one)', async () => {
    const wrong = appendGraphOutputs(model, [{ name: 'i', elemType: 1 }]);
    await expect(session(wrong)).rejects.toThrow(/does not match expected type/);
  });
});

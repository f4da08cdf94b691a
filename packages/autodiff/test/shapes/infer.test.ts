// Shape inference over whole graphs: dims that follow from the inputs win over declared symbolic
// ones, shape arithmetic folds (symbolically for free dims), and what cannot be told statically is
// listed by unresolvedShapes and filled in from observed shapes.
import { describe, expect, it } from 'vitest';
import { buildGradientModel, inspectModel, unresolvedShapes } from '../../src/index.js';
import { gradCheck } from '../helpers/gradcheck.js';
import { buildModel, randomArray } from '../helpers/onnx-model.js';

/** Conv → Relu → ReduceMean over H, W → Gemm, exported with symbolic dims in value_info. */
function declaredSymbolic(): Uint8Array {
  return buildModel({
    opset: 17,
    inputs: [{ name: 'x', dims: ['batch', 3, 'height', 'width'] }],
    outputs: [{ name: 'logits', dims: ['batch', 2] }],
    valueInfo: [
      { name: 'c', dims: ['batch', 4, 'Convlayer_dim_2', 'Convlayer_dim_3'] },
      { name: 'r', dims: ['batch', 4, 'Relulayer_dim_2', 'Relulayer_dim_3'] },
    ],
    floatInits: [
      { name: 'w', dims: [4, 3, 3, 3], data: randomArray(108, 1, -0.4, 0.4) },
      { name: 'fw', dims: [4, 2], data: randomArray(8, 2) },
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: { ints: [1, 1, 1, 1] } } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      {
        op: 'ReduceMean',
        inputs: ['r'],
        outputs: ['m'],
        attrs: { axes: { ints: [2, 3] }, keepdims: { int: 0 } },
      },
      { op: 'MatMul', inputs: ['m', 'fw'], outputs: ['logits'] },
    ],
  });
}

/** x [N, 3, 4, 4] flattened by Reshape(x, Concat(Shape(x)[0], [-1])), as dynamic exports do. */
function shapeChain(): Uint8Array {
  return buildModel({
    inputs: [{ name: 'x', dims: ['N', 3, 4, 4] }],
    outputs: [{ name: 'y', dims: ['N', 48] }],
    intInits: [
      { name: 'zero', dims: [], data: [0] },
      { name: 'minus1', dims: [1], data: [-1] },
      { name: 'ax0', dims: [1], data: [0] },
    ],
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['s'] },
      { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'] },
      { op: 'Unsqueeze', inputs: ['n', 'ax0'], outputs: ['n1'] },
      { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['target'], attrs: { axis: { int: 0 } } },
      { op: 'Reshape', inputs: ['x', 'target'], outputs: ['f'] },
      { op: 'Relu', inputs: ['f'], outputs: ['y'] },
    ],
  });
}

/** A Reshape whose target depends on data (NonZero of a constant mask): not static. */
function dataDependent(): Uint8Array {
  return buildModel({
    inputs: [{ name: 'x', dims: [2, 6] }],
    outputs: [{ name: 'y', dims: [2, 3, 2] }],
    floatInits: [{ name: 'mask', dims: [3], data: [1, 1, 1] }],
    intInits: [
      { name: 'two', dims: [1], data: [2] },
      { name: 'minus1', dims: [1], data: [-1] },
      { name: 'ax1', dims: [1], data: [1] },
    ],
    nodes: [
      { op: 'NonZero', inputs: ['mask'], outputs: ['nz'] },
      { op: 'Shape', inputs: ['nz'], outputs: ['s'] },
      { op: 'Slice', inputs: ['s', 'ax1', 'two'], outputs: ['count'] },
      {
        op: 'Concat',
        inputs: ['two', 'count', 'minus1'],
        outputs: ['target'],
        attrs: { axis: { int: 0 } },
      },
      { op: 'Reshape', inputs: ['x', 'target'], outputs: ['r'] },
      { op: 'Mul', inputs: ['r', 'r'], outputs: ['y'] },
    ],
  });
}

describe('shape inference', () => {
  it('lets dims that follow from the input win over declared symbolic dims', async () => {
    const model = declaredSymbolic();
    const dims = (l: string, inputShapes?: Record<string, number[]>) =>
      inspectModel(model, inputShapes ? { inputShapes } : {}).layers.find((x) => x.name === l)
        ?.dims;
    // Without input sizes the declared symbols stand; with them every dim is a number.
    expect(dims('c')).toEqual(['batch', 4, 'height', 'width']);
    expect(dims('r', { x: [1, 3, 8, 8] })).toEqual([1, 4, 8, 8]);
    expect(unresolvedShapes(model, { inputShapes: { x: [1, 3, 8, 8] } })).toEqual([]);
    const r = await gradCheck(model, {
      objective: { kind: 'layer', tensor: 'r' },
      input: { name: 'x', data: randomArray(192, 3), dims: [1, 3, 8, 8] },
      inputShapes: { x: [1, 3, 8, 8] },
    });
    expect(r.worstRelError).toBeLessThan(1e-2);
  });

  it('folds shape arithmetic, keeping a free batch dim symbolic', () => {
    const info = inspectModel(shapeChain());
    expect(info.layers.find((l) => l.name === 'f')?.dims).toEqual(['N', 48]);
    expect(
      inspectModel(shapeChain(), { inputShapes: { x: [5, 3, 4, 4] } }).layers.at(-1)?.dims,
    ).toEqual([5, 48]);
  });

  it('names unknown dims by tensor and axis, the same on every call', () => {
    const a = unresolvedShapes(dataDependent());
    const b = unresolvedShapes(dataDependent());
    expect(a).toEqual(['nz', 's', 'count', 'target', 'r', 'y'].filter((n) => a.includes(n)));
    expect(a).toEqual(b);
    expect(a).toContain('r');
    const dims = () => inspectModel(dataDependent()).layers.find((l) => l.name === 'r')?.dims;
    expect(dims()).toEqual(dims());
  });

  it('takes shapes observed in a forward run where static inference cannot tell', async () => {
    const model = dataDependent();
    const unresolved = unresolvedShapes(model, { inputShapes: { x: [2, 6] } });
    // y is a graph output whose declared dims are numbers: only nz and r are unknown.
    expect(unresolved).toEqual(['nz', 'r']);
    // The count of nonzero entries is a symbol ('?nz:1'): a layer objective on r needs a number.
    expect(inspectModel(model).layers.find((l) => l.name === 'r')?.dims).toEqual([2, null, null]);
    expect(() =>
      buildGradientModel(model, { objective: { kind: 'layer', tensor: 'r' } }),
    ).toThrowError(/needs static dims/);
    // What a runtime sees when it runs the model once with those tensors as outputs.
    const observedShapes = {
      nz: [1, 3],
      s: [2],
      count: [1],
      target: [3],
      r: [2, 3, 2],
      y: [2, 3, 2],
    };
    const r = await gradCheck(model, {
      objective: { kind: 'layer', tensor: 'r' },
      input: { name: 'x', data: randomArray(12, 4), dims: [2, 6] },
      observedShapes,
    });
    expect(r.worstRelError).toBeLessThan(1e-2);
  });
});

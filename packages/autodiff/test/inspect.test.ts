import { describe, expect, it } from 'vitest';
import { inspectModel } from '../src/index.js';
import { buildModel, randomArray } from './helpers/onnx-model.js';

describe('inspectModel', () => {
  // A CNN with one elementwise op in the middle: Softplus (which has a rule) or Atan (none).
  const cnn = (op: string) =>
    buildModel({
      inputs: [{ name: 'x', dims: ['N', 2, 6, 6] }],
      outputs: [{ name: 'y', dims: ['N', 3] }],
      floatInits: [{ name: 'w', dims: [3, 2, 3, 3], data: randomArray(54, 1) }],
      nodes: [
        {
          op: 'Conv',
          inputs: ['x', 'w'],
          outputs: ['c'],
          attrs: { kernel_shape: { ints: [3, 3] } },
        },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op, inputs: ['r'], outputs: ['k'] },
        { op: 'GlobalAveragePool', inputs: ['k'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
      ],
    });

  it('lists inputs, outputs and layers with op types and inferred shapes', () => {
    const info = inspectModel(cnn('Softplus'));
    expect(info.inputs).toEqual([{ name: 'x', type: 'float32', dims: ['N', 2, 6, 6] }]);
    expect(info.outputs[0]?.name).toBe('y');
    expect(info.layers.map((l) => [l.name, l.opType, l.dims])).toEqual([
      ['c', 'Conv', ['N', 3, 4, 4]],
      ['r', 'Relu', ['N', 3, 4, 4]],
      ['k', 'Softplus', ['N', 3, 4, 4]],
      ['g', 'GlobalAveragePool', ['N', 3, 1, 1]],
      ['y', 'Flatten', ['N', 3]],
    ]);
  });

  it('marks where gradients stop and lists ops without rules', () => {
    const info = inspectModel(cnn('Atan'));
    const diff = Object.fromEntries(info.layers.map((l) => [l.name, l.differentiable]));
    expect(diff).toEqual({ c: true, r: true, k: false, g: false, y: false });
    expect(info.unsupportedOps).toEqual(['Atan']);
    // An op fv does not know has no shape either; what follows takes the declared output dims.
    expect(info.layers.find((l) => l.name === 'k')?.dims).toBeNull();
    expect(info.layers.find((l) => l.name === 'y')?.dims).toEqual(['N', 3]);
  });
});

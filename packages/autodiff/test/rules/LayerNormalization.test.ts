import { it } from 'vitest';
import { expectUnsupported, ruleSuite } from '../helpers/rule-case.js';
import { node, tinyModel } from '../helpers/tiny-model.js';
import { LayerNormalization } from './cases/norm.js';

ruleSuite('LayerNormalization', LayerNormalization);

it('refuses a gradient through the Mean output', () => {
  const model = tinyModel({
    opset: 17,
    inputs: { x: [2, 4] },
    nodes: [
      node('LayerNormalization', ['x', 'scale'], ['n', 'mean']),
      node('Add', ['n', 'mean'], ['y']),
    ],
    floats: { scale: { dims: [4], data: [1, 1, 1, 1] } },
  });
  expectUnsupported(model, /Mean and InvStdDev/);
});

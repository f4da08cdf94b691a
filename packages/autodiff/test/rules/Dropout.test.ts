import { it } from 'vitest';
import { makeFloatTensor } from '../../src/onnx.js';
import { expectUnsupported, ruleSuite } from '../helpers/rule-case.js';
import { node, tinyModel } from '../helpers/tiny-model.js';
import { Dropout } from './cases/structure.js';

ruleSuite('Dropout', Dropout);

it('refuses training-mode Dropout (random mask)', () => {
  const training = makeFloatTensor('', [], [0]);
  training.dataType = 9;
  training.rawData = Uint8Array.of(1);
  const model = tinyModel({
    inputs: { x: [2, 3] },
    nodes: [
      node('Constant', [], ['t'], { value: { tensor: training } }),
      node('Dropout', ['x', '', 't'], ['y']),
    ],
  });
  expectUnsupported(model, /training-mode Dropout/);
});

import { it } from 'vitest';
import { expectUnsupported, ruleSuite } from '../helpers/rule-case.js';
import { node, tinyModel } from '../helpers/tiny-model.js';
import { ConvTranspose } from './cases/ConvTranspose.js';

ruleSuite('ConvTranspose', ConvTranspose);

it('refuses weights that depend on the input', () => {
  const model = tinyModel({
    inputs: { x: [1, 1, 3, 3] },
    nodes: [node('ConvTranspose', ['x', 'x'])],
  });
  expectUnsupported(model, /weights must be constant/);
});

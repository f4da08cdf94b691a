import { it } from 'vitest';
import { expectUnsupported, ruleSuite } from '../helpers/rule-case.js';
import { node, tinyModel } from '../helpers/tiny-model.js';
import { PRelu } from './cases/unary.js';

ruleSuite('PRelu', PRelu);

it('refuses a slope that depends on the input', () => {
  const model = tinyModel({
    inputs: { x: [2, 3] },
    nodes: [node('Neg', ['x'], ['s']), node('PRelu', ['x', 's'])],
  });
  expectUnsupported(model, /slope .* must be constant/);
});

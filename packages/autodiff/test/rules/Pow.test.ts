import { it } from 'vitest';
import { expectUnsupported, ruleSuite } from '../helpers/rule-case.js';
import { node, tinyModel } from '../helpers/tiny-model.js';
import { Pow } from './cases/Pow.js';

ruleSuite('Pow', Pow);

it('refuses an exponent that depends on the input', () => {
  const model = tinyModel({ inputs: { x: [2, 3] }, nodes: [node('Pow', ['x', 'x'])] });
  expectUnsupported(model, /Pow node 'Pow_0'.*constant exponent/);
});

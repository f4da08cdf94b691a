import { it } from 'vitest';
import { expectUnsupported, ruleSuite } from '../helpers/rule-case.js';
import { node, tinyModel } from '../helpers/tiny-model.js';
import { Pad } from './cases/shape.js';

ruleSuite('Pad', Pad);

it('refuses reflect mode', () => {
  const model = tinyModel({
    inputs: { x: [2, 3] },
    nodes: [node('Pad', ['x', 'pads'], ['y'], { mode: { string: 'reflect' } })],
    ints: { pads: { dims: [4], data: [0, 1, 0, 1] } },
  });
  expectUnsupported(model, /mode 'reflect' is not supported/);
});

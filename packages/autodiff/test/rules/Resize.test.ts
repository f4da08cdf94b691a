import { it } from 'vitest';
import { expectUnsupported, ruleSuite } from '../helpers/rule-case.js';
import { node, tinyModel } from '../helpers/tiny-model.js';
import { Resize } from './cases/resize.js';

ruleSuite('Resize', Resize);

it('refuses antialiasing', () => {
  const model = tinyModel({
    opset: 18,
    inputs: { x: [1, 1, 4, 4] },
    nodes: [
      node('Resize', ['x', '', 'scales'], ['y'], {
        mode: { string: 'linear' },
        antialias: { int: 1 },
      }),
    ],
    floats: { scales: { dims: [4], data: [1, 1, 0.5, 0.5] } },
  });
  expectUnsupported(model, /antialias/);
});

import { opCase, type RuleCase } from '../../helpers/rule-case.js';
import { spaced } from '../../helpers/tiny-model.js';

// First maximum of each (n, c) plane, like PyTorch: plane 0 is constant (all tied), plane 1
// has its maximum 3 twice (positions 1 and 4), plane 2 has one maximum at the end.
const tieInput = Float32Array.from([
  ...[2, 2, 2, 2, 2, 2],
  ...[0, 3, -1, 1, 3, 2],
  ...[0, 1, 2, -1, -2, 5],
]);
const tieSeed = Float32Array.from([0.5, -2, 3]);

function tieCase(opset: number): RuleCase {
  return opCase(`ties go to the first maximum (opset ${opset})`, 'GlobalMaxPool', {
    opset,
    dims: [1, 3, 2, 3],
    data: tieInput,
    seed: tieSeed,
    expected: [...[0.5, 0, 0, 0, 0, 0], ...[0, -2, 0, 0, 0, 0], ...[0, 0, 0, 0, 0, 3]],
  });
}

export const GlobalMaxPool: RuleCase[] = [
  opCase('distinct values', 'GlobalMaxPool', { dims: [2, 3, 3, 4], data: spaced(72, 1) }),
  opCase('NCL input, opset 7', 'GlobalMaxPool', { dims: [1, 2, 7], data: spaced(14, 2), opset: 7 }),
  opCase('opset 18', 'GlobalMaxPool', { dims: [1, 2, 3, 3], data: spaced(18, 3), opset: 18 }),
  opCase('free batch dim', 'GlobalMaxPool', {
    dims: [2, 2, 2, 3],
    data: spaced(24, 4),
    batch: 'N',
  }),
  tieCase(13),
  // Before opset 11 floats have no Equal: ties are found as ¬(X < Y).
  tieCase(7),
];

import { opCase, type RuleCase } from '../../helpers/rule-case.js';

export const LogSoftmax: RuleCase[] = [
  opCase('opset 13, last axis', 'LogSoftmax', { dims: [2, 3, 5] }),
  opCase('opset 13, axis 1', 'LogSoftmax', { dims: [2, 3, 5], attrs: { axis: { int: 1 } } }),
  // Before opset 13 the input is coerced to 2-D at `axis`: the sum runs over axes 1 and 2.
  opCase('opset 11, axis 1 over the trailing axes', 'LogSoftmax', {
    dims: [2, 3, 5],
    attrs: { axis: { int: 1 } },
    opset: 11,
  }),
  opCase('opset 7, default axis', 'LogSoftmax', { dims: [2, 6], opset: 7 }),
];

import { describe, expect, it } from 'vitest';
import { buildGradientModel } from '../../src/index.js';
import { addedOpTypes, logit, ruleSuite, withTuning } from '../helpers/rule-case.js';
import { ImageMasks, Relu } from './cases/activation.js';

ruleSuite('Relu', Relu);
// Relu and Clip on image tensors, with Where masks (default) and with the native backend's
// Conv + Clip masks (convMasks): the same gradients, exact at the bounds.
ruleSuite('Relu and Clip on N×C×H×W', ImageMasks);
ruleSuite('Relu and Clip on N×C×H×W', withTuning(ImageMasks, { convMasks: true }));
ruleSuite('Relu (convMasks elsewhere: Where kept)', withTuning(Relu, { convMasks: true }));

describe('convMasks', () => {
  it('builds N×C×H×W masks with Conv + Clip + Mul instead of comparisons and Where', () => {
    for (const c of ImageMasks) {
      const tuned = addedOpTypes(
        c.model,
        buildGradientModel(c.model, { objective: logit(), wrt: ['x'], convMasks: true }).bytes,
      );
      expect([...tuned].sort(), c.name).toEqual(expect.arrayContaining(['Clip', 'Conv', 'Mul']));
      expect(tuned.has('Where') || tuned.has('Greater') || tuned.has('Less'), c.name).toBe(false);
    }
  });
});

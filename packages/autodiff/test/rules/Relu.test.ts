import { describe, expect, it } from 'vitest';
import {
  buildGradientModel,
  createRegistry,
  defaultRegistry,
  type RuleContext,
} from '../../src/index.js';
import { decodeModel } from '../../src/onnx.js';
import { runNative } from '../helpers/ort.js';
import { addedOpTypes, checkCase, logit, ruleSuite, withTuning } from '../helpers/rule-case.js';
import { tinyModel } from '../helpers/tiny-model.js';
import { clipBounds, ImageMasks, Relu } from './cases/activation.js';

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

  it('masks a unit with two bounds with two Convs, an Add and a HardSigmoid: one Mul per unit', () => {
    // Conv + Add + HardSigmoid is one NCHWc convolution on onnxruntime's CPU provider (its "Sum"
    // input and a fused activation; Clip after a Sum is not fused), so no Mul of two factors.
    const c = clipBounds()[0]!;
    const gm = buildGradientModel(c.model, { objective: logit(), wrt: ['x'], convMasks: true });
    const before = decodeModel(c.model).graph!.node.length;
    const added = decodeModel(gm.bytes)
      .graph!.node.slice(before)
      .map((n) => n.opType);
    const count = (op: string) => added.filter((o) => o === op).length;
    // The Where-mask graph has the objective's Muls only; the mask adds the one with dY.
    const plain = buildGradientModel(c.model, { objective: logit(), wrt: ['x'] });
    const objectiveMuls = decodeModel(plain.bytes)
      .graph!.node.slice(before)
      .filter((n) => n.opType === 'Mul').length;
    expect([count('Conv'), count('Add'), count('HardSigmoid'), count('Mul')]).toEqual([
      2,
      1,
      1,
      objectiveMuls + 1,
    ]);
  });

  // The masks as fv's native backend runs them: onnxruntime-node, NCHWc kernels and fusions.
  it.each(withTuning(clipBounds(32), { convMasks: true }))('$name on onnxruntime-node', (c) =>
    checkCase(c, runNative),
  );

  it('keeps the comparison mask where the shape of the unit is unknown', () => {
    // An op without a shape function makes the Relu's shape unknown (the Where mask needs none);
    // one with a shape function after it gives the objective a known shape.
    const pass = (ctx: RuleContext) => ctx.setGI(0, ctx.GO(0)!);
    const registry = createRegistry([
      ...defaultRegistry.rules,
      { opType: 'Opaque', domain: 'test', build: pass },
      { opType: 'Known', domain: 'test', build: pass, shape: () => [[1, 2, 3, 3]] },
    ]);
    const model = tinyModel({
      inputs: { x: [1, 2, 3, 3] },
      nodes: [
        { op: 'test.Opaque', inputs: ['x'], outputs: ['t'], attrs: {} },
        { op: 'Relu', inputs: ['t'], outputs: ['y'], attrs: {} },
        { op: 'test.Known', inputs: ['y'], outputs: ['z'], attrs: {} },
      ],
    });
    const gm = buildGradientModel(model, {
      objective: { kind: 'layer', tensor: 'z' },
      convMasks: true,
      registry,
    });
    expect([...addedOpTypes(model, gm.bytes)]).toContain('Where');
    expect([...addedOpTypes(model, gm.bytes)]).not.toContain('Conv');
  });
});

// The export matrix (tools/autodiff_matrix.py): ViT, DeiT, Swin, a MobileViT-style hybrid and
// thin CNNs, each exported at opset 13 (static), opset 17 with dynamic batch/height/width and
// opset 11, against PyTorch autograd (float64 references). For every export and both objectives:
// static shape inference leaves nothing unresolved once the input size is given, the forward
// logits and objective values match, and the input gradients reach cosine ≥ 0.9998 and a relative
// L2 error ≤ max(1e-4, 10 × PyTorch's own float32 error), never above 2e-2 (issue #14).
import { describe, expect, it } from 'vitest';
import { compare } from '../../../test/helpers/compare.js';
import {
  loadMatrixModel,
  type MatrixModel,
  type MatrixVariant,
  matrixCases,
  matrixInput,
  matrixReference,
  matrixSeed,
} from '../../../test/helpers/matrix-goldens.js';
import { buildGradientModel, unresolvedShapes } from '../src/index.js';
import { run } from './helpers/ort.js';

/** What the gradient of one objective reached, for the summary printed at the end. */
const results: string[] = [];

async function checkVariant(model: MatrixModel, variant: MatrixVariant): Promise<void> {
  const bytes = loadMatrixModel(variant);
  const input = matrixInput(variant);
  const inputShapes = { [variant.input.name]: input.dims };
  expect(unresolvedShapes(bytes, { inputShapes }), 'tensors without a static shape').toEqual([]);

  const logit = buildGradientModel(bytes, {
    objective: { kind: 'logit', output: variant.output.name },
    inputShapes,
  });
  const layer = buildGradientModel(bytes, {
    objective: { kind: 'layer', tensor: variant.objectives.layer.tensor },
    inputShapes,
  });
  const r1 = await run(logit.bytes, { input, [logit.seedInput!]: matrixSeed(variant) }, [
    logit.gradientOutputs.input!,
    logit.valueOutput,
    variant.output.name,
  ]);
  const r2 = await run(layer.bytes, { input }, [layer.gradientOutputs.input!, layer.valueOutput]);

  const logits = compare(r1[variant.output.name]!.data, matrixReference(variant, 'logits'));
  expect(logits.relL2, 'forward logits').toBeLessThan(1e-4);
  const total = (r: { data: Float32Array }) => r.data.reduce((a, b) => a + b, 0);
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);
  expect(rel(total(r1[logit.valueOutput]!), variant.objectives.logit.value)).toBeLessThan(1e-4);
  expect(rel(total(r2[layer.valueOutput]!), variant.objectives.layer.value)).toBeLessThan(1e-4);

  const grads = {
    logit: compare(r1[logit.gradientOutputs.input!]!.data, matrixReference(variant, 'logitGrad')),
    layer: compare(r2[layer.gradientOutputs.input!]!.data, matrixReference(variant, 'layerGrad')),
  };
  for (const [what, g] of Object.entries(grads) as ['logit' | 'layer', typeof grads.logit][]) {
    const own = variant.f32VsF64[what === 'logit' ? 'logit_grad' : 'layer_grad'].relL2;
    const bound = Math.min(2e-2, Math.max(1e-4, 10 * own));
    expect(g.cosine, `${what} cosine`).toBeGreaterThanOrEqual(0.9998);
    expect(g.relL2, `${what} relative L2 (bound ${bound})`).toBeLessThanOrEqual(bound);
  }
  results.push(
    `${model.name} ${variant.name}: logit relL2 ${grads.logit.relL2.toExponential(1)}, layer relL2 ${grads.layer.relL2.toExponential(1)}`,
  );
}

describe('export matrix: gradients match PyTorch autograd', () => {
  for (const { model, variant } of matrixCases()) {
    it(`${model.name} ${variant.name}`, () => checkVariant(model, variant), 120_000);
  }
  it('covers every model at every exported variant', () => {
    console.log(`matrix goldens:\n${results.join('\n')}`);
    expect(results.length).toBe(matrixCases().length);
  });
});

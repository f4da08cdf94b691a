// Quantized models as web apps ship them (tools/autodiff_quantized.py rewrites a small ViT-style
// float export): static QDQ (QuantizeLinear → DequantizeLinear on activations, int8 weights behind
// DequantizeLinear) and dynamic quantization (DynamicQuantizeLinear → MatMulInteger/ConvInteger →
// Cast → Mul). The gradient is the straight-through estimator through the quantizers: PyTorch's
// gradient of the dequantized float computation with the same quantization in the forward pass.
// Bounds as for the export matrix: cosine ≥ 0.9998, relative L2 ≤ max(1e-4, 10 × PyTorch's own
// float32 error).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compare } from '../../../test/helpers/compare.js';
import { buildGradientModel, unresolvedShapes } from '../src/index.js';
import { run } from './helpers/ort.js';

const dir = new URL('../../../test/fixtures/autodiff-quantized/', import.meta.url);

interface Slot {
  offset: number;
  length: number;
  dims: number[];
}
interface Variant {
  name: string;
  model: string;
  data: string;
  input: { name: string; dims: number[] };
  output: { name: string; dims: number[] };
  logitClass: number;
  layout: Record<'input' | 'logits' | 'logitGrad' | 'layerGrad', Slot>;
  objectives: { logit: { value: number }; layer: { tensor: string; value: number } };
  f32VsF64: Record<'logit_grad' | 'layer_grad', { relL2: number }>;
  opTypes: string[];
}
const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')) as {
  models: Variant[];
};

function blob(v: Variant, key: keyof Variant['layout']): Float32Array {
  const s = v.layout[key];
  const bytes = readFileSync(new URL(v.data, dir)).subarray(s.offset, s.offset + s.length);
  return new Float32Array(new Uint8Array(bytes).buffer);
}

describe('quantized models: straight-through gradients match PyTorch', () => {
  it.each(manifest.models)('$name', async (v) => {
    const bytes = new Uint8Array(gunzipSync(readFileSync(new URL(v.model, dir))));
    const input = { data: blob(v, 'input'), dims: v.input.dims };
    expect(unresolvedShapes(bytes, { inputShapes: { input: v.input.dims } })).toEqual([]);
    const logit = buildGradientModel(bytes, { objective: { kind: 'logit', output: 'logits' } });
    const layer = buildGradientModel(bytes, {
      objective: { kind: 'layer', tensor: v.objectives.layer.tensor },
    });
    const seed = new Float32Array(v.output.dims[1]!);
    seed[v.logitClass] = 1;
    const r1 = await run(
      logit.bytes,
      { input, [logit.seedInput!]: { data: seed, dims: v.output.dims } },
      [logit.gradientOutputs.input!, 'logits'],
    );
    const r2 = await run(layer.bytes, { input }, [layer.gradientOutputs.input!, layer.valueOutput]);
    const logits = compare(r1.logits!.data, blob(v, 'logits'));
    const g1 = compare(r1[logit.gradientOutputs.input!]!.data, blob(v, 'logitGrad'));
    const g2 = compare(r2[layer.gradientOutputs.input!]!.data, blob(v, 'layerGrad'));
    console.log(
      `quantized ${v.name}: logits relL2 ${logits.relL2.toExponential(1)}, logit grad ${g1.relL2.toExponential(1)} (cos ${g1.cosine.toFixed(6)}), layer grad ${g2.relL2.toExponential(1)} (cos ${g2.cosine.toFixed(6)})`,
    );
    expect(logits.relL2, 'forward logits').toBeLessThan(1e-3);
    for (const [g, own] of [
      [g1, v.f32VsF64.logit_grad.relL2],
      [g2, v.f32VsF64.layer_grad.relL2],
    ] as const) {
      expect(g.cosine).toBeGreaterThanOrEqual(0.9998);
      expect(g.relL2).toBeLessThanOrEqual(Math.min(2e-2, Math.max(1e-4, 10 * own)));
    }
  });
});

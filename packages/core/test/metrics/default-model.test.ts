// The metrics rank methods sensibly on the committed default model (trained to look at the
// object), on two disjoint halves of a held-out subset so that the ranking is stable, not luck:
// SmoothGrad and Grad-CAM delete the class faster than a random map; under cascading
// randomization the gradient's maps decorrelate while guided backpropagation's stay similar
// (Adebayo et al. 2018, their figures 2 and 4); the random control stays identical (ρ = 1).
import { readdirSync, readFileSync } from 'node:fs';
import { parameterizedLayers, randomizeLayers } from '@fv/autodiff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Comparison,
  compareMethods,
  type RandomizedModels,
  type SaliencyOptions,
} from '../../src/index.js';
import { createOrtEngine, type OrtTestEngine } from '../helpers/ort-engine.js';
import { decodePngRgba } from '../helpers/png.js';

const root = new URL('../../../../models/default/', import.meta.url);
const bytes = new Uint8Array(readFileSync(new URL('shapes10.onnx', root)));
const config = JSON.parse(readFileSync(new URL('shapes10.fv.json', root), 'utf8'));
const dims = [1, 3, 64, 64];
// Every fifth held-out image: 8 images, 7 classes.
const dir = new URL('heldout/', root);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.png') && !f.endsWith('.mask.png'))
  .sort()
  .filter((_, i) => i % 5 === 0);

const methods: readonly SaliencyOptions[] = [
  { method: 'vanilla', target: 'top' },
  { method: 'smoothgrad', target: 'top', samples: 16 },
  { method: 'grad-cam', target: 'top' },
  { method: 'guided-backprop', target: 'top' },
  { method: 'random', target: 'top' },
];
const layers = parameterizedLayers(bytes).map((l) => l.name);
// The top layer, the top half, and every layer.
const steps = [1, layers.length / 2, layers.length];

describe('metrics on the default model', () => {
  const engines: OrtTestEngine[] = [];
  const results: Comparison[] = [];

  beforeAll(async () => {
    const engine = await createOrtEngine(bytes, dims);
    engines.push(engine);
    const models: RandomizedModels = {
      layers,
      async randomize(count) {
        return createOrtEngine(randomizeLayers(bytes, { layers: layers.slice(0, count) }), dims);
      },
    };
    for (const f of files) {
      const image = decodePngRgba(readFileSync(new URL(f, dir)));
      results.push(
        await compareMethods(
          engine,
          image,
          { methods, metrics: ['deletion', 'randomization'], randomization: { steps, models } },
          config,
        ),
      );
    }
  }, 300_000);
  afterAll(async () => {
    for (const e of engines) await e.dispose();
  });

  const halves = () => [results.slice(0, files.length / 2), results.slice(files.length / 2)];
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const byMethod = (set: Comparison[], method: string) =>
    set.map((r) => r.methods.find((m) => m.method === method)!);
  const deletion = (set: Comparison[], method: string) =>
    mean(byMethod(set, method).map((m) => m.deletion!.auc));
  /** Mean correlation at cascade point `k` (NaN maps, all zero after randomization, left out). */
  const correlation = (
    set: Comparison[],
    method: string,
    k: number,
    kind: 'spearmanAbsolute' | 'spearmanSigned',
  ) =>
    mean(
      byMethod(set, method)
        .map((m) => m.randomization!.steps[k]![kind])
        .filter(Number.isFinite),
    );

  it('explains the predicted class of every image, which is the true one', () => {
    expect(results).toHaveLength(8);
    results.forEach((r, i) => {
      const label = files[i]!.replace(/^\d+-|\.png$/g, '').replace('-', ' ');
      expect(config.labels[r.target]).toBe(label);
    });
  });

  it('deletion: SmoothGrad, Grad-CAM and the gradient beat the random map on both halves', () => {
    for (const set of halves()) {
      const random = deletion(set, 'random');
      for (const method of ['smoothgrad', 'grad-cam', 'vanilla']) {
        expect(deletion(set, method)).toBeLessThan(0.75 * random);
      }
    }
  });

  it('randomization: the gradient decorrelates, guided backpropagation stays similar', () => {
    for (const set of halves()) {
      // Everything randomized: the gradient's signed map is unrelated to the original one.
      expect(Math.abs(correlation(set, 'vanilla', 2, 'spearmanSigned'))).toBeLessThan(0.2);
      expect(correlation(set, 'vanilla', 2, 'spearmanAbsolute')).toBeLessThan(0.45);
      expect(Math.abs(correlation(set, 'smoothgrad', 2, 'spearmanSigned'))).toBeLessThan(0.2);
      // Half the network randomized: guided backpropagation still gives nearly the same map.
      const gbp = correlation(set, 'guided-backprop', 1, 'spearmanSigned');
      expect(gbp).toBeGreaterThan(0.5);
      expect(gbp).toBeGreaterThan(correlation(set, 'vanilla', 1, 'spearmanSigned') + 0.3);
      expect(correlation(set, 'guided-backprop', 1, 'spearmanAbsolute')).toBeGreaterThan(
        correlation(set, 'vanilla', 1, 'spearmanAbsolute'),
      );
      // The random control ignores the model altogether.
      expect(correlation(set, 'random', 2, 'spearmanAbsolute')).toBe(1);
    }
  });
});

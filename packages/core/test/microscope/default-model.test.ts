// Dataset examples on the committed default model and its 40 held-out images, checked against an
// independent recomputation: a plain onnxruntime session (the layers added as graph outputs, no
// gradient graph), one image at a time, preprocessed by hand. Then every unit's strongest
// position: its true input gradient (through @fv/autodiff) must lie in the receptive-field crop.
import { readdirSync, readFileSync } from 'node:fs';
import { appendGraphOutputs, receptiveField } from '@fv/autodiff';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DatasetImage,
  type DatasetIndex,
  datasetExamples,
  type ImageExample,
  isSignedLayer,
  type ReceptiveField,
} from '../../src/index.js';
import { createOrtEngine, type OrtTestEngine } from '../helpers/ort-engine.js';
import { decodePngRgba } from '../helpers/png.js';

const root = new URL('../../../../models/default/', import.meta.url);
const bytes = new Uint8Array(readFileSync(new URL('shapes10.onnx', root)));
const config = JSON.parse(readFileSync(new URL('shapes10.fv.json', root), 'utf8'));
const S = 64;
const LAYERS = ['stem', 'conv2', 'block2/Add', 'block2', 'conv3', 'block3/Add', 'block3'];
const K = 5;

interface Reference {
  readonly mean: number;
  readonly max: number;
  readonly min: number;
  /** Every position whose value is within tolerance of the max (min). */
  readonly argmax: readonly number[];
  readonly argmin: readonly number[];
}

describe('dataset examples on the default model', () => {
  let engine: OrtTestEngine;
  let images: DatasetImage[];
  let index: DatasetIndex;
  /** reference[layer][image id][channel] */
  const reference = new Map<string, Map<string, Reference[]>>();
  const fields: Record<string, ReceptiveField> = {};

  beforeAll(async () => {
    const dir = new URL('heldout/', root);
    images = readdirSync(dir)
      .filter((f) => f.endsWith('.png') && !f.endsWith('.mask.png'))
      .sort()
      .map((f) => ({ id: f, image: decodePngRgba(readFileSync(new URL(f, dir))) }));
    for (const layer of LAYERS) fields[layer] = receptiveField(bytes, layer);
    engine = await createOrtEngine(bytes, [1, 3, S, S]);
    index = await datasetExamples(
      engine,
      images,
      { layers: LAYERS, receptiveFields: fields, topK: K, batchSize: 8 },
      config,
    );

    // The independent recomputation.
    const plain = await ort.InferenceSession.create(
      appendGraphOutputs(
        bytes,
        LAYERS.map((name) => ({ name })),
      ),
      { executionProviders: ['wasm'] },
    );
    for (const layer of LAYERS) reference.set(layer, new Map());
    for (const { id, image } of images) {
      const { data } = image as { data: ArrayLike<number> };
      const x = new Float32Array(3 * S * S);
      for (let p = 0; p < S * S; p++) {
        for (let c = 0; c < 3; c++) x[c * S * S + p] = (data[p * 4 + c]! / 255 - 0.5) / 0.25;
      }
      const out = await plain.run({ input: new ort.Tensor('float32', x, [1, 3, S, S]) }, LAYERS);
      for (const layer of LAYERS) {
        const t = out[layer]!;
        const [, c = 1, h = 1, w = 1] = t.dims;
        const a = t.data as Float32Array;
        const units: Reference[] = [];
        for (let ch = 0; ch < c; ch++) {
          const values = Array.from(a.subarray(ch * h * w, (ch + 1) * h * w));
          const max = Math.max(...values);
          const min = Math.min(...values);
          const near = (v: number, m: number) => Math.abs(v - m) <= 1e-5 * Math.max(1, Math.abs(m));
          units.push({
            mean: values.reduce((s, v) => s + v, 0) / values.length,
            max,
            min,
            argmax: values.flatMap((v, p) => (near(v, max) ? [p] : [])),
            argmin: values.flatMap((v, p) => (near(v, min) ? [p] : [])),
          });
        }
        reference.get(layer)!.set(id, units);
      }
    }
    await plain.release();
  }, 240_000);
  afterAll(() => engine?.dispose());

  /**
   * The returned list is a top-k of the reference values: at every rank its value is the
   * reference's k-th best value (float tolerance), every entry's value is its image's reference
   * value, no image twice. Returns whether the ids are exactly the reference's.
   */
  function checkList(
    list: readonly ImageExample[],
    values: Map<string, number>,
    direction: 1 | -1,
    what: string,
  ): boolean {
    const sorted = [...values.entries()]
      .sort((a, b) => direction * (b[1] - a[1]) || (a[0] < b[0] ? -1 : 1))
      .slice(0, K);
    expect(list.length, what).toBe(K);
    expect(new Set(list.map((e) => e.image)).size, what).toBe(K);
    const tol = (v: number) => 2e-5 * Math.max(1, Math.abs(v));
    list.forEach((e, r) => {
      const mine = values.get(e.image)!;
      expect(Math.abs(e.value - mine), `${what} rank ${r}: ${e.image}`).toBeLessThanOrEqual(
        tol(mine),
      );
      expect(Math.abs(e.value - sorted[r]![1]), `${what} rank ${r}`).toBeLessThanOrEqual(tol(mine));
    });
    return list.every((e, r) => e.image === sorted[r]![0]);
  }

  it('returns exactly the top-k (and bottom-k) images and positions of a plain forward pass', () => {
    let lists = 0;
    let exact = 0;
    for (const layer of index.layers) {
      const ref = reference.get(layer.layer)!;
      for (const unit of layer.units) {
        const what = `${layer.layer}#${unit.channel}`;
        const of = (key: 'mean' | 'max' | 'min') =>
          new Map(images.map(({ id }) => [id, ref.get(id)![unit.channel]![key]]));
        const signed = isSignedLayer(layer);
        const checks: [readonly ImageExample[], Map<string, number>, 1 | -1][] = [
          [unit.top, of('mean'), 1],
          [unit.topPositions, of('max'), 1],
          ...(signed
            ? ([
                [unit.bottom, of('mean'), -1],
                [unit.bottomPositions, of('min'), -1],
              ] as [readonly ImageExample[], Map<string, number>, 1 | -1][])
            : []),
        ];
        for (const [list, values, direction] of checks) {
          lists++;
          if (checkList(list, values, direction, what)) exact++;
        }
        for (const e of unit.topPositions) {
          const r = ref.get(e.image)![unit.channel]!;
          expect(r.argmax, `${what} ${e.image}`).toContain(e.y * layer.width + e.x);
        }
        if (signed) {
          for (const e of unit.bottomPositions) {
            const r = ref.get(e.image)![unit.channel]!;
            expect(r.argmin, `${what} ${e.image}`).toContain(e.y * layer.width + e.x);
          }
        }
      }
    }
    // Ids differ from the reference's only where two images tie within float tolerance.
    expect(exact / lists).toBeGreaterThan(0.97);
    // Pre-activation sums are signed, ReLU outputs are not.
    const signedLayers = index.layers.filter(isSignedLayer).map((l) => l.layer);
    expect(signedLayers).toEqual(['block2/Add', 'block3/Add']);
  });

  it("keeps ≥ 95 % of the input-gradient mass of each unit's strongest position inside its crop", async () => {
    const ratios: number[] = [];
    let meaningful = 0;
    for (const layer of index.layers) {
      const units = layer.units.filter((u) => (u.topPositions[0]?.value ?? 0) > 0);
      const item = 3 * S * S;
      const batch = new Float32Array(units.length * item);
      const plane = layer.height * layer.width;
      const seed = new Float32Array(units.length * layer.channels * plane);
      units.forEach((u, i) => {
        const e = u.topPositions[0]!;
        const image = images.find((im) => im.id === e.image)!.image as { data: ArrayLike<number> };
        for (let p = 0; p < S * S; p++) {
          for (let c = 0; c < 3; c++) {
            batch[i * item + c * S * S + p] = (image.data[p * 4 + c]! / 255 - 0.5) / 0.25;
          }
        }
        seed[(i * layer.channels + u.channel) * plane + e.y * layer.width + e.x] = 1;
      });
      const { gradients } = await engine.gradient(
        { data: batch, dims: [units.length, 3, S, S] },
        { kind: 'logit', output: layer.layer },
        { seed: { data: seed, dims: [units.length, layer.channels, layer.height, layer.width] } },
      );
      const g = gradients.input!.data;
      units.forEach((u, i) => {
        const { region } = u.topPositions[0]!;
        let inside = 0;
        let total = 0;
        for (let c = 0; c < 3; c++) {
          for (let y = 0; y < S; y++) {
            for (let x = 0; x < S; x++) {
              const m = Math.abs(g[i * item + c * S * S + y * S + x]!);
              total += m;
              if (
                x >= region.x &&
                x < region.x + region.width &&
                y >= region.y &&
                y < region.y + region.height
              )
                inside += m;
            }
          }
        }
        if (total === 0) return;
        ratios.push(inside / total);
        if (region.width * region.height < (S * S) / 2) meaningful++;
      });
    }
    expect(ratios.length).toBeGreaterThan(200);
    for (const r of ratios) expect(r).toBeGreaterThanOrEqual(0.95);
    // Most crops are smaller than half the image, so the check has teeth.
    expect(meaningful).toBeGreaterThan(100);
  });
});

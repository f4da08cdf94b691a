// The export-matrix goldens of tools/autodiff_matrix.py (test/fixtures/autodiff-matrix): exported
// graphs committed without their parameters' data, filled here from the counter-hash generator the
// script used, plus PyTorch autograd references.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProto_DataLocation } from 'onnx-buf';
import { counterHash } from './counter-hash.mjs';

export const matrixDir = new URL('../fixtures/autodiff-matrix/', import.meta.url);

interface Slot {
  readonly offset: number;
  readonly length: number;
  readonly dims: number[];
}

export interface MatrixVariant {
  readonly name: string;
  readonly opset: number;
  /** Why the exporter refused this variant (no files then). */
  readonly refused?: string;
  readonly dynamic?: boolean;
  readonly model: string;
  readonly data: string;
  readonly input: {
    readonly name: string;
    readonly dims: number[];
    readonly generator: { readonly name: string; readonly offset: number; readonly scale: number };
  };
  readonly output: { readonly name: string; readonly dims: number[] };
  readonly seedClasses: number[];
  readonly layout: Readonly<Record<'logits' | 'logitGrad' | 'layerGrad', Slot>>;
  readonly objectives: {
    readonly logit: { readonly value: number };
    readonly layer: {
      readonly tensor: string;
      readonly torchModule: string;
      readonly dims: number[];
      readonly value: number;
    };
  };
  readonly f32VsF64: Readonly<Record<'logits' | 'logit_grad' | 'layer_grad', { relL2: number }>>;
  readonly opTypes: string[];
}

export interface MatrixModel {
  readonly name: string;
  readonly architecture: string;
  readonly transformer: boolean;
  readonly variants: MatrixVariant[];
}

export const matrixManifest = JSON.parse(
  readFileSync(new URL('manifest.json', matrixDir), 'utf8'),
) as { models: MatrixModel[] };

/** Exported variants (those the exporter did not refuse) of every model, with their model. */
export function matrixCases(): { model: MatrixModel; variant: MatrixVariant }[] {
  return matrixManifest.models.flatMap((model) =>
    model.variants.filter((v) => !v.refused).map((variant) => ({ model, variant })),
  );
}

/**
 * The variant's ONNX model with every parameter filled from the generator (initializers marked
 * `external_data` location `fv:counter-hash`, with their offset and scale).
 */
export function loadMatrixModel(variant: MatrixVariant): Uint8Array {
  const model = fromBinary(
    ModelProtoSchema,
    gunzipSync(readFileSync(new URL(variant.model, matrixDir))),
  );
  for (const t of model.graph?.initializer ?? []) {
    const entry = (key: string) => t.externalData.find((e) => e.key === key)?.value;
    if (t.dataLocation !== TensorProto_DataLocation.EXTERNAL) continue;
    if (entry('location') !== 'fv:counter-hash') continue;
    const n = t.dims.reduce((p, d) => p * Number(d), 1);
    const values = counterHash(t.name, n, Number(entry('offset')), Number(entry('scale')));
    t.rawData = new Uint8Array(values.buffer as ArrayBuffer);
    t.externalData = [];
    t.dataLocation = TensorProto_DataLocation.DEFAULT;
  }
  return toBinary(ModelProtoSchema, model);
}

/** The variant's input, from the generator. */
export function matrixInput(variant: MatrixVariant): { data: Float32Array; dims: number[] } {
  const g = variant.input.generator;
  const n = variant.input.dims.reduce((p, q) => p * q, 1);
  return { data: counterHash(g.name, n, g.offset, g.scale), dims: variant.input.dims };
}

/** A float32 reference tensor from the variant's data file. */
export function matrixReference(
  variant: MatrixVariant,
  key: 'logits' | 'logitGrad' | 'layerGrad',
): Float32Array {
  const slot = variant.layout[key];
  const bytes = readFileSync(new URL(variant.data, matrixDir)).subarray(
    slot.offset,
    slot.offset + slot.length,
  );
  // A copy: a Buffer's slice() is a view into Node's shared pool.
  return new Float32Array(new Uint8Array(bytes).buffer);
}

/** The logit objective's seed: one-hot of the variant's class per batch item. */
export function matrixSeed(variant: MatrixVariant): { data: Float32Array; dims: number[] } {
  const [n, classes] = variant.output.dims as [number, number];
  const data = new Float32Array(n * classes);
  variant.seedClasses.forEach((c, b) => {
    data[b * classes + c] = 1;
  });
  return { data, dims: [n, classes] };
}

import type { LayerInfo, TensorInfo } from '@fv/core';
import { GraphIndex, producesFloat } from './graph.js';
import { asModel, DataType, ELEM_TYPE_NAMES, type ModelInput, valueInfoType } from './onnx.js';
import type { GradientRegistry } from './registry.js';
import { defaultRegistry } from './rules/index.js';
import { type Dim, inferShapes } from './shapes.js';

/** What {@link inspectModel} reports. */
export interface ModelInspection {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Every tensor produced by a node, in graph order. */
  readonly layers: readonly LayerInfo[];
  /** Op types on a path from an input that have no gradient rule, sorted. */
  readonly unsupportedOps: readonly string[];
  readonly opset: number;
  readonly irVersion: number;
  /** The model's metadata_props (for example preprocessing hints). */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Lists a model's inputs, outputs and every intermediate tensor with its producing op type, its
 * static shape and whether a gradient can flow through it back to the input; and the op types
 * that have no gradient rule. The examples and the CLI use it to offer layers.
 * @param registry gradient rules to judge differentiability by. @defaultValue {@link defaultRegistry}
 */
export function inspectModel(
  bytes: ModelInput,
  options: {
    readonly registry?: GradientRegistry;
    readonly inputShapes?: Readonly<Record<string, readonly Dim[]>>;
  } = {},
): ModelInspection {
  const model = asModel(bytes);
  const index = new GraphIndex(model);
  const registry = options.registry ?? defaultRegistry;
  const shapes = inferShapes(index, options.inputShapes);
  const info = (
    name: string,
    elemType: number | undefined,
    dims: readonly (Dim | null)[] | null | undefined,
  ): TensorInfo => ({
    name,
    type: ELEM_TYPE_NAMES[elemType ?? DataType.FLOAT] ?? `type${elemType}`,
    dims: (dims ?? []).map((d) => (typeof d === 'string' && d.startsWith('?') ? null : d)),
  });
  const inputs = index.graph.input
    .filter((i) => !index.initializers.has(i.name))
    .map((i) => {
      const t = valueInfoType(i);
      return info(i.name, t?.elemType, shapes.get(i.name) ?? t?.dims);
    });
  const outputs = index.graph.output.map((o) => {
    const t = valueInfoType(o);
    return info(o.name, t?.elemType, shapes.get(o.name) ?? t?.dims);
  });
  const reachable = new Set(index.realInputs);
  const differentiable = new Set(index.realInputs);
  const unsupported = new Set<string>();
  const layers: LayerInfo[] = [];
  for (const node of index.graph.node) {
    const activeInputs = node.input.filter((i) => reachable.has(i));
    const floatOut = producesFloat(node);
    const rule = registry.get(node.opType);
    if (activeInputs.length > 0 && floatOut && !rule) unsupported.add(node.opType);
    const flows = floatOut && !!rule && activeInputs.some((i) => differentiable.has(i));
    node.output.forEach((out, k) => {
      if (!out) return;
      const isFloat = floatOut && !rule?.nonDifferentiableOutputs?.includes(k);
      if (activeInputs.length > 0 && isFloat) reachable.add(out);
      if (flows && isFloat) differentiable.add(out);
      const s = shapes.get(out);
      layers.push({
        name: out,
        opType: node.opType,
        dims: s ? s.map((d) => (typeof d === 'string' && d.startsWith('?') ? null : d)) : null,
        differentiable: differentiable.has(out),
      });
    });
  }
  return {
    inputs,
    outputs,
    layers,
    unsupportedOps: [...unsupported].sort(),
    opset: index.opset,
    irVersion: Number(model.irVersion),
    metadata: Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value])),
  };
}

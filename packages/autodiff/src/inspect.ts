import type { LayerInfo, TensorInfo } from '@fv/core';
import { GraphIndex } from './graph.js';
import { asModel, DataType, ELEM_TYPE_NAMES, type ModelInput, valueInfoType } from './onnx.js';
import { carriesGradient, type GradientRegistry, qualifiedOpType } from './registry.js';
import { defaultRegistry } from './rules/index.js';
import { type Dim, isUnknownDim } from './shapes/dims.js';
import { inferShapes, type ShapeOptions } from './shapes/infer.js';

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

/** Options of {@link inspectModel} and {@link unresolvedShapes}. */
export interface InspectOptions extends ShapeOptions {
  /** Gradient rules to judge differentiability (and shapes) by. @defaultValue {@link defaultRegistry} */
  readonly registry?: GradientRegistry;
}

/**
 * The tensors whose shapes static inference cannot tell for these input shapes (node outputs, in
 * graph order; empty for most models once `inputShapes` fixes every input dim). A runtime runs the
 * model once with them as extra outputs (`appendGraphOutputs`) and passes their dims to
 * `buildGradientModel` as `observedShapes`.
 */
export function unresolvedShapes(bytes: ModelInput, options: InspectOptions = {}): string[] {
  const index = new GraphIndex(asModel(bytes));
  return inferShapes(index, options.registry ?? defaultRegistry, options).unresolved();
}

/**
 * Lists a model's inputs, outputs and every intermediate tensor with its producing op type, its
 * static shape and whether a gradient can flow through it back to the input; and the op types
 * that have no gradient rule. The examples and the CLI use it to offer layers.
 * @param registry gradient rules to judge differentiability by. @defaultValue {@link defaultRegistry}
 */
export function inspectModel(bytes: ModelInput, options: InspectOptions = {}): ModelInspection {
  const model = asModel(bytes);
  const index = new GraphIndex(model);
  const registry = options.registry ?? defaultRegistry;
  const shapes = inferShapes(index, registry, options);
  const info = (
    name: string,
    elemType: number | undefined,
    dims: readonly (Dim | null)[] | null | undefined,
  ): TensorInfo => ({
    name,
    type: ELEM_TYPE_NAMES[elemType ?? DataType.FLOAT] ?? `type${elemType}`,
    dims: (dims ?? []).map((d) => (isUnknownDim(d) ? null : d)),
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
    const rule = registry.get(node.opType, node.domain);
    // Without a rule fv cannot tell whether the op carries gradients: assume it does.
    const floatOut = rule ? carriesGradient(rule, node) : true;
    if (activeInputs.length > 0 && !rule)
      unsupported.add(qualifiedOpType(node.opType, node.domain));
    const flows = floatOut && !!rule?.build && activeInputs.some((i) => differentiable.has(i));
    node.output.forEach((out, k) => {
      if (!out) return;
      const isFloat = floatOut && !rule?.nonDifferentiableOutputs?.includes(k);
      if (activeInputs.length > 0 && isFloat) reachable.add(out);
      if (flows && isFloat) differentiable.add(out);
      const s = shapes.get(out);
      layers.push({
        name: out,
        opType: node.opType,
        dims: s ? s.map((d) => (isUnknownDim(d) ? null : d)) : null,
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

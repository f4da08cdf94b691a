import type { LayerInfo, TensorInfo } from '@fv/core';
import { activeTensors } from './builder.js';
import { GraphIndex } from './graph.js';
import { asModel, DataType, ELEM_TYPE_NAMES, type ModelInput, valueInfoType } from './onnx.js';
import { carriesGradient, type GradientRegistry, qualifiedOpType } from './registry.js';
import { defaultRegistry } from './rules/index.js';
import { type Dim, isUnknownDim } from './shapes/dims.js';
import { inferShapes, type ShapeOptions } from './shapes/infer.js';
import {
  type AttentionMap,
  dominantTokens,
  type ImageLayout,
  imageLayouts,
  type TokenLayout,
} from './tokens.js';

/** One intermediate tensor, with where it sits on the input image when that can be told. */
export interface InspectedLayer extends LayerInfo {
  /**
   * How the tensor's axes map onto the input image: a grid of cells (feature maps, channels first
   * or last) or a sequence of tokens (class and distillation tokens, then patch tokens in row-major
   * grid order). Absent where the placement is lost (windows, tokens merged into the batch, pooled
   * vectors) or the input size is not static (give `inputShapes`).
   */
  readonly layout?: ImageLayout;
}

/** What {@link inspectModel} reports. */
export interface ModelInspection {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Every tensor produced by a node, in graph order. */
  readonly layers: readonly InspectedLayer[];
  /** Softmax outputs holding attention probabilities, in graph order (transformers). */
  readonly attention: readonly AttentionMap[];
  /**
   * The token structure of a vision transformer: the sequence layout most tensors share (the
   * residual stream: length, hidden size, class/distillation tokens, patch grid), or `null`
   * (CNNs; Swin, whose stages are channels-last grids, see the layers' `layout`).
   */
  readonly tokens: TokenLayout | null;
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
  const layers: InspectedLayer[] = [];
  // Where tensors sit on the image: followed from the first input (the image) when its dims are
  // static — a free batch dim (the usual export) is followed at batch 1, the layouts being the
  // same for every batch size.
  const image = index.realInputs[0];
  const imageDims = image ? shapes.get(image) : undefined;
  const freeBatch =
    imageDims !== undefined &&
    imageDims.length > 1 &&
    typeof imageDims[0] !== 'number' &&
    imageDims.slice(1).every((d) => typeof d === 'number');
  const layoutShapes = freeBatch
    ? inferShapes(index, registry, {
        ...options,
        inputShapes: { ...options.inputShapes, [image!]: [1, ...imageDims!.slice(1)] },
      })
    : shapes;
  const placed = image
    ? imageLayouts(index, layoutShapes, activeTensors(index, registry, [image]), image)
    : { layouts: new Map<string, ImageLayout>(), attention: [] };
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
      const layout = placed.layouts.get(out);
      layers.push({
        name: out,
        opType: node.opType,
        dims: s ? s.map((d) => (isUnknownDim(d) ? null : d)) : null,
        differentiable: differentiable.has(out),
        ...(layout ? { layout } : {}),
      });
    });
  }
  return {
    inputs,
    outputs,
    layers,
    attention: placed.attention,
    tokens: dominantTokens(placed.layouts),
    unsupportedOps: [...unsupported].sort(),
    opset: index.opset,
    irVersion: Number(model.irVersion),
    metadata: Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value])),
  };
}

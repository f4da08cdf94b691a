// What a runtime needs to know about a model before running it (graph inputs and outputs, the
// tensors a forward pass can return, node names for error messages), and the one edit it makes:
// exposing intermediate tensors as graph outputs. Neither infers shapes, so both work on any
// readable ONNX model; `inspectModel` is the richer view.
import { create } from '@bufbuild/protobuf';
import { FvError, type LayerInfo, type TensorInfo } from '@fv/core';
import { ValueInfoProtoSchema } from 'onnx-buf';
import {
  appendToGraph,
  asModel,
  ELEM_TYPE_NAMES,
  isFloatType,
  type ModelInput,
  makeValueInfo,
  type ValueInfoProto,
  valueInfoType,
} from './onnx.js';
import { carriesGradient } from './registry.js';
import { defaultRegistry } from './rules/index.js';

/** What {@link summarizeModel} reports. */
export interface ModelSummary {
  /** Graph inputs that are not initializers: what a caller feeds. */
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /**
   * Every tensor produced by a node, in graph order, with the dims its value info declares
   * (`null` when none) and whether it lies on a float path from an input.
   */
  readonly layers: readonly LayerInfo[];
  /** ONNX element type per known tensor name (value infos, graph inputs and outputs, initializers). */
  readonly elemTypes: ReadonlyMap<string, number>;
  /** Every tensor name a forward pass can return (graph inputs, initializers, node outputs). */
  readonly tensorNames: ReadonlySet<string>;
  /** Node names and op types, in graph order. */
  readonly nodes: readonly { readonly name: string; readonly opType: string }[];
}

/**
 * Reads a model's graph inputs, outputs, nodes and the element types of its tensors, without
 * shape inference (so it also describes models that `inspectModel` cannot).
 * @throws FvError `INVALID_MODEL` when the bytes are not an ONNX model with a graph of nodes.
 */
export function summarizeModel(model: ModelInput): ModelSummary {
  const graph = asModel(model).graph;
  if (!graph) throw new FvError('INVALID_MODEL', 'Model has no graph');
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const elemTypes = new Map<string, number>();
  const dims = new Map<string, (number | string | null)[]>();
  for (const v of [...graph.valueInfo, ...graph.input, ...graph.output]) {
    const t = valueInfoType(v);
    if (t?.elemType) elemTypes.set(v.name, t.elemType);
    if (t?.dims) dims.set(v.name, t.dims);
  }
  for (const t of graph.initializer) if (t.dataType) elemTypes.set(t.name, t.dataType);

  const toInfo = (v: ValueInfoProto): TensorInfo => {
    const t = valueInfoType(v);
    return {
      name: v.name,
      type: ELEM_TYPE_NAMES[t?.elemType ?? 0] ?? 'unknown',
      dims: t?.dims ?? [],
    };
  };
  const inputs = graph.input.filter((i) => !initializers.has(i.name));

  // On a float path from a real input: what a gradient could flow along.
  const active = new Set(inputs.map((i) => i.name));
  const tensorNames = new Set([...initializers, ...active]);
  const layers: LayerInfo[] = [];
  for (const node of graph.node) {
    const rule = defaultRegistry.get(node.opType, node.domain);
    const passes = rule ? carriesGradient(rule, node) : true;
    const reaches = passes && node.input.some((i) => active.has(i));
    for (const output of node.output) {
      if (!output) continue;
      tensorNames.add(output);
      const elemType = elemTypes.get(output);
      const differentiable = reaches && (elemType === undefined || isFloatType(elemType));
      if (differentiable) active.add(output);
      layers.push({
        name: output,
        opType: node.opType,
        dims: dims.get(output) ?? null,
        differentiable,
      });
    }
  }
  return {
    inputs: inputs.map(toInfo),
    outputs: graph.output.map(toInfo),
    layers,
    elemTypes,
    tensorNames,
    nodes: graph.node.map((n) => ({ name: n.name, opType: n.opType })),
  };
}

/** A tensor to add as a graph output. */
export interface GraphOutput {
  readonly name: string;
  /**
   * ONNX element type (`TensorProto.DataType`) to declare.
   * @defaultValue none: onnxruntime infers it (as it must for a Cast, Shape or ArgMax output
   * that no value_info describes)
   */
  readonly elemType?: number | undefined;
}

/**
 * Returns the model with `outputs` added as graph outputs, so that a forward pass can fetch
 * intermediate tensors. The result is the original bytes followed by a small protobuf delta (the
 * technique `buildGradientModel` uses): weights are copied once, never decoded or re-encoded.
 * Names are not checked; {@link summarizeModel}'s `tensorNames` lists the valid ones.
 */
export function appendGraphOutputs(bytes: Uint8Array, outputs: readonly GraphOutput[]): Uint8Array {
  return appendToGraph(bytes, {
    output: outputs.map((o) =>
      o.elemType === undefined
        ? create(ValueInfoProtoSchema, { name: o.name })
        : makeValueInfo(o.name, o.elemType, undefined),
    ),
  });
}

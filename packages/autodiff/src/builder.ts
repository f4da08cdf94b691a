import { FvError, type Objective, type ReluMode } from '@fv/core';
import { GraphWriter } from './emitter.js';
import { GraphIndex } from './graph.js';
import { compileObjective, objectiveTargets } from './objective.js';
import {
  appendToGraph,
  attributeReader,
  DataType,
  decodeModel,
  isFloatType,
  makeValueInfo,
  type NodeProto,
  valueInfoType,
} from './onnx.js';
import { carriesGradient, type GradientRegistry, qualifiedOpType } from './registry.js';
import type { GradientRule, RuleContext } from './rule.js';
import { defaultRegistry } from './rules/index.js';
import { type Dim, formatShape, isStatic, SHAPE_HINT } from './shapes/dims.js';
import { inferShapes, type ShapeOptions, type ShapeTable } from './shapes/infer.js';
import { type ImageLayout, imageLayouts } from './tokens.js';

/** Options of {@link buildGradientModel}. */
export interface GradientModelOptions extends ShapeOptions {
  /** What to differentiate. */
  readonly objective: Objective;
  /** Tensors to differentiate with respect to. @defaultValue the model's single (non-initializer) input */
  readonly wrt?: readonly string[];
  /** Extra forward tensors to expose as outputs (for example activations for Grad-CAM). @defaultValue `[]` */
  readonly keep?: readonly string[];
  /** How Relu and Clip pass gradients back. @defaultValue `'standard'` */
  readonly relu?: ReluMode;
  /**
   * Let rules add precomputed weight copies where that makes the backward pass faster: the input
   * gradient of a stride-1 Conv becomes a Conv with spatially flipped, in/out-transposed weights
   * instead of a ConvTranspose (onnxruntime's ConvTranspose kernel is the slower one). Costs one
   * extra copy of those convolutions' weights in memory and in the model.
   * @defaultValue `false`
   */
  readonly precomputeWeights?: boolean;
  /**
   * Let Relu and Clip (standard mode, on N×C×H×W tensors) multiply the gradient by a float 0/1
   * mask computed from the unit's output with 1×1 depthwise `Conv` + `Clip` nodes (two bounds:
   * `Conv` + `Clip`, `Conv`, `Add`, `HardSigmoid`, one fused NCHWc convolution), instead of a
   * `Where` on a boolean mask built with comparisons. onnxruntime's CPU provider runs those (and
   * the `Mul`) in its blocked NCHWc layout, so the backward pass between convolutions stays in
   * that layout instead of being reordered to NCHW and back around every mask. Exact except for
   * activations within 2⁻¹⁰⁰ of a bound, where the mask is fractional.
   * @defaultValue `false`
   */
  readonly convMasks?: boolean;
  /** Gradient rules to use. @defaultValue {@link defaultRegistry} */
  readonly registry?: GradientRegistry;
}

/** A model with its backward graph appended; see {@link buildGradientModel}. */
export interface GradientModel {
  /** A valid ONNX model: the original outputs, plus value, gradient and kept outputs. */
  readonly bytes: Uint8Array;
  /** For `logit` objectives (and sums containing them): the seed input per output tensor. */
  readonly seedInputs: Readonly<Record<string, string>>;
  /** The seed input of a single `logit` objective, when there is exactly one. */
  readonly seedInput: string | undefined;
  /** Output holding the objective's value per batch item, shape `[N]`. */
  readonly valueOutput: string;
  /** Gradient output name per `wrt` tensor. */
  readonly gradientOutputs: Readonly<Record<string, string>>;
  /** Output name per kept tensor. */
  readonly keptOutputs: Readonly<Record<string, string>>;
  /** Number of backward nodes added. */
  readonly addedNodes: number;
}

const RELU_MODES: readonly ReluMode[] = ['standard', 'guided', 'deconvnet', 'redirected'];

/**
 * Appends the reverse-mode gradient of `objective` with respect to `wrt` to an ONNX model, as
 * standard ONNX ops. Only the part of the graph between `wrt` and the objective is differentiated;
 * weights are reused, never copied.
 *
 * @example
 * const gm = buildGradientModel(bytes, { objective: { kind: 'logit', output: 'logits' } });
 * // feed gm.seedInput a one-hot vector; read gm.gradientOutputs.input
 */
export function buildGradientModel(
  bytes: Uint8Array,
  options: GradientModelOptions,
): GradientModel {
  const model = decodeModel(bytes);
  const index = new GraphIndex(model);
  const registry = options.registry ?? defaultRegistry;
  const relu = options.relu ?? 'standard';
  if (!RELU_MODES.includes(relu)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `relu must be 'standard', 'guided', 'deconvnet' or 'redirected', got '${String(relu)}'`,
    );
  }
  const wrt = checkTensors(index, options);
  const shapes = inferShapes(index, registry, options);
  const writer = new GraphWriter(index, index.opset);
  const active = activeTensors(index, registry, wrt);
  // Every op on the path needs a rule: say which one lacks it before anything else (its missing
  // shape would otherwise surface first, further down).
  const targets = objectiveTargets(options.objective);
  if (targets.every((t) => active.has(t))) {
    for (const node of nodesToDifferentiate(index, active, targets, wrt))
      ruleFor(registry, node, index.opset, wrt);
  }
  // Unit objectives on token sequences and channels-last maps need to know where the tensor sits
  // on the image (followed from the first wrt tensor, the image).
  let layouts: ReadonlyMap<string, ImageLayout> | undefined;
  const layoutOf = (tensor: string) => {
    layouts ??= imageLayouts(index, shapes, active, wrt[0]!).layouts;
    return layouts.get(tensor);
  };
  const objective = compileObjective(options.objective, {
    index,
    shapes,
    active,
    wrt,
    writer,
    layoutOf,
  });

  const grads = new Map<string, string[]>();
  for (const [tensor, seeds] of objective.seeds) grads.set(tensor, [...seeds]);
  const order = nodesToDifferentiate(index, active, grads.keys(), wrt);
  const rulesOnPath = order.map((node) => ruleFor(registry, node, index.opset, wrt));
  const gradOf = accumulator(grads, writer);
  for (const [k, node] of order.entries()) {
    const rule = rulesOnPath[k]!;
    if (!node.output.some((o) => o && gradOf(o) !== undefined)) continue;
    const addGrad = (tensor: string, g: string) => {
      const list = grads.get(tensor);
      if (list) list.push(g);
      else grads.set(tensor, [g]);
    };
    rule.build!(
      ruleContext(node, rule, {
        index,
        shapes,
        writer,
        relu,
        precomputeWeights: options.precomputeWeights ?? false,
        convMasks: options.convMasks ?? false,
        flows: (n) => active.has(n) && order.needed.has(n),
        gradOf,
        addGrad,
      }),
    );
  }

  // ---- outputs: gradients, value, kept tensors
  const graph = index.graph;
  const outputs = [];
  const gradientOutputs: Record<string, string> = {};
  for (const name of wrt) {
    const g = gradOf(name);
    const out = writer.fresh('grad', 'fv.grad.');
    if (g) writer.emitTo('Identity', [g], out);
    else writer.emitTo('Mul', [name, writer.constFloat([0], [])], out);
    outputs.push(makeValueInfo(out, DataType.FLOAT, shapes.get(name) ?? []));
    gradientOutputs[name] = out;
  }
  const valueOutput = writer.claim('fv.value');
  writer.emitTo('Identity', [objective.value], valueOutput);
  const firstInput = graph.input.find((i) => i.name === (wrt[0] ?? ''));
  const batch: Dim = (firstInput && valueInfoType(firstInput)?.dims?.[0]) ?? 'N';
  outputs.push(makeValueInfo(valueOutput, DataType.FLOAT, objective.valueDims ?? [batch]));
  const keptOutputs: Record<string, string> = {};
  const outputNames = new Set(graph.output.map((o) => o.name));
  for (const name of options.keep ?? []) {
    keptOutputs[name] = name;
    if (outputNames.has(name)) continue;
    const elemType = index.elemTypes.get(name) ?? shapes.value(name)?.elemType ?? DataType.FLOAT;
    outputs.push(makeValueInfo(name, elemType, shapes.get(name) ?? []));
    outputNames.add(name);
  }

  // The new model is the original bytes followed by a protobuf delta holding only the added
  // nodes, initializers, inputs and outputs: the weights are never re-encoded.
  const merged = appendToGraph(bytes, {
    node: writer.nodes,
    initializer: writer.initializers,
    input: writer.inputs,
    output: outputs,
  });
  const seedList = Object.values(objective.seedInputs);
  return {
    bytes: merged,
    seedInputs: objective.seedInputs,
    seedInput: seedList.length === 1 ? seedList[0] : undefined,
    valueOutput,
    gradientOutputs,
    keptOutputs,
    addedNodes: writer.nodes.length,
  };
}

/** The `wrt` tensors (checked: present, float) after checking the `keep` tensors. */
function checkTensors(index: GraphIndex, options: GradientModelOptions): readonly string[] {
  const wrt = options.wrt ?? defaultWrt(index);
  for (const name of wrt) {
    if (!index.has(name)) {
      throw new FvError(
        'UNKNOWN_TENSOR',
        `wrt tensor '${name}' is not in the model (inputs: ${index.realInputs.join(', ')})`,
      );
    }
    const t = index.elemTypes.get(name);
    if (t !== undefined && !isFloatType(t)) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `wrt tensor '${name}' has non-float element type ${t}; only float tensors have gradients`,
      );
    }
  }
  for (const name of options.keep ?? []) {
    if (!index.has(name))
      throw new FvError('UNKNOWN_TENSOR', `keep tensor '${name}' is not in the model`);
  }
  return wrt;
}

function defaultWrt(index: GraphIndex): string[] {
  if (index.realInputs.length !== 1) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `The model has ${index.realInputs.length} inputs (${index.realInputs.join(', ')}); say which to differentiate with wrt`,
    );
  }
  return [index.realInputs[0]!];
}

/**
 * Tensors that carry gradients: reachable from `wrt` through nodes that pass gradients. A node
 * without a rule passes them too (so the sweep can name it when it lies on the path).
 */
export function activeTensors(
  index: GraphIndex,
  registry: GradientRegistry,
  wrt: Iterable<string>,
): Set<string> {
  const active = new Set<string>(wrt);
  for (const node of index.graph.node) {
    if (!node.input.some((i) => active.has(i))) continue;
    const rule = registry.get(node.opType, node.domain);
    if (rule && !carriesGradient(rule, node)) continue;
    node.output.forEach((o, i) => {
      if (o && !rule?.nonDifferentiableOutputs?.includes(i)) active.add(o);
    });
  }
  return active;
}

/**
 * The nodes to differentiate, last first: active nodes from which a seeded tensor is reachable.
 * `needed` holds every tensor on those paths.
 */
function nodesToDifferentiate(
  index: GraphIndex,
  active: ReadonlySet<string>,
  seeded: Iterable<string>,
  wrt: readonly string[],
): NodeProto[] & { needed: Set<string> } {
  const needed = new Set<string>(seeded);
  const order: NodeProto[] = [];
  const graph = index.graph;
  for (let i = graph.node.length - 1; i >= 0; i--) {
    const node = graph.node[i]!;
    if (!node.output.some((o) => needed.has(o))) continue;
    const ins = node.input.filter((n) => n && active.has(n));
    if (ins.length === 0) continue;
    order.push(node);
    for (const n of ins) needed.add(n);
  }
  if (!wrt.some((w) => needed.has(w)))
    throw new FvError('INVALID_ARGUMENT', `The objective does not depend on ${wrt.join(', ')}`);
  return Object.assign(order, { needed });
}

/** The sum of a tensor's gradient contributions (one Add chain, made once). */
function accumulator(
  grads: ReadonlyMap<string, readonly string[]>,
  writer: GraphWriter,
): (tensor: string) => string | undefined {
  const done = new Map<string, string>();
  return (tensor) => {
    const sum = done.get(tensor);
    if (sum) return sum;
    const list = grads.get(tensor);
    if (!list || list.length === 0) return undefined;
    // Add, not Sum: variadic Sum falls back to the CPU under onnxruntime-web's WebGPU provider.
    const total = list.reduce((a, b) => writer.op('Add', [a, b]));
    done.set(tensor, total);
    return total;
  };
}

/** The rule for a node on the gradient path; UNSUPPORTED_OP when there is none for its opset. */
function ruleFor(
  registry: GradientRegistry,
  node: NodeProto,
  opset: number,
  wrt: readonly string[],
): GradientRule {
  const rule = registry.get(node.opType, node.domain);
  const op = qualifiedOpType(node.opType, node.domain);
  const label = `${op} node '${node.name || node.output[0]}'`;
  if (!rule?.build) {
    const fused =
      node.domain === 'com.microsoft'
        ? " com.microsoft ops come from onnxruntime's graph optimizations (its transformers optimizer, optimum's --optimize): export the model without them, so that it holds standard ONNX ops."
        : '';
    throw new FvError(
      'UNSUPPORTED_OP',
      `No gradient rule for op ${op} (${label}) on the path from ${wrt.join(', ')} to the objective.${fused} Ops with rules: ${registry.opTypes.join(', ')}`,
      { opType: node.opType, node: node.name, output: node.output[0] },
    );
  }
  if (rule.opsets && (opset < rule.opsets[0] || opset > rule.opsets[1])) {
    throw new FvError(
      'UNSUPPORTED_OP',
      `The ${op} gradient rule supports opsets ${rule.opsets[0]}..${rule.opsets[1]}, the model uses ${opset} (${label})`,
      { opType: node.opType, node: node.name },
    );
  }
  return rule;
}

interface SweepState {
  readonly index: GraphIndex;
  readonly shapes: ShapeTable;
  readonly writer: GraphWriter;
  readonly relu: ReluMode;
  readonly precomputeWeights: boolean;
  readonly convMasks: boolean;
  /** Whether a tensor lies on a differentiated path (so a gradient sent to it is used). */
  readonly flows: (name: string) => boolean;
  readonly gradOf: (tensor: string) => string | undefined;
  readonly addGrad: (tensor: string, g: string) => void;
}

/** The {@link RuleContext} of one node during the sweep. */
function ruleContext(node: NodeProto, rule: GradientRule, s: SweepState): RuleContext {
  const { writer: w, shapes } = s;
  const label = `${qualifiedOpType(node.opType, node.domain)} node '${node.name || node.output[0]}'`;
  const fail = (message: string): never => {
    throw new FvError('UNSUPPORTED_OP', message, { opType: node.opType, node: node.name });
  };
  return {
    ...attributeReader(node, s.index.opset),
    index: s.index,
    relu: s.relu,
    precomputeWeights: s.precomputeWeights,
    convMasks: s.convMasks,
    addInitializer: (values, dims) => w.addInitializer(values, dims),
    I: (i) => node.input[i] ?? '',
    O: (i) => node.output[i] ?? '',
    GO: (i) => (node.output[i] ? s.gradOf(node.output[i]!) : undefined),
    needsGI: (i) => {
      const n = node.input[i];
      return !!n && s.flows(n) && !rule.nonDifferentiable?.includes(i);
    },
    setGI: (i, g) => {
      const n = node.input[i];
      if (n && s.flows(n)) s.addGrad(n, g);
    },
    shape: (name) => {
      const shape = shapes.get(name);
      if (!isStatic(shape))
        fail(
          `The ${node.opType} gradient needs the static shape of '${name}' (${label}); got ${formatShape(shape)}. ${SHAPE_HINT}`,
        );
      return shape as readonly number[];
    },
    shapeAfterBatch: (name) => {
      const shape = shapes.get(name);
      if (!shape || !isStatic(shape.slice(1)))
        fail(
          `The ${node.opType} gradient needs static dims after the batch dim of '${name}' (${label}); got ${formatShape(shape)}. ${SHAPE_HINT}`,
        );
      return shape!.slice(1) as number[];
    },
    symbolicShape: (name) =>
      shapes.get(name) ?? fail(`Cannot infer the shape of '${name}' (${label}). ${SHAPE_HINT}`),
    constValue: (name) => shapes.constValue(name),
    constant: (i) => (node.input[i] ? shapes.constValue(node.input[i]!) : undefined),
    isConstant: (name) => s.index.isConstant(name),
    emit: (opType, inputs, attrs, outputs) => w.emit(opType, inputs, attrs, outputs),
    op: (opType, inputs, attrs) => w.op(opType, inputs, attrs),
    constFloat: (values, dims) => w.constFloat(values, dims),
    constInt64: (values, dims) => w.constInt64(values, dims),
    reduceSum: (x, axes, keepdims) => w.reduceSum(x, axes, keepdims),
    unsqueeze: (x, axes) => w.unsqueeze(x, axes),
    squeeze: (x, axes) => w.squeeze(x, axes),
    reshape: (x, dims) => w.reshape(x, dims),
    slice: (x, starts, ends, axes, steps) => w.slice(x, starts, ends, axes, steps),
    pad: (x, pads, value) => w.pad(x, pads, value),
    select: (mask, a) => w.select(mask, a),
    floatMask: (mask) => w.floatMask(mask),
    sumToShape: (grad, gradShape, inputShape) => w.sumToShape(grad, gradShape, inputShape),
    unsupported: (why) => fail(`${label}: ${why}`),
  };
}

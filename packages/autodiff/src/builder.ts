import { FvError, type Objective, type ReluMode } from '@fv/core';
import { GraphIndex, producesFloat } from './graph.js';
import {
  type AttrValue,
  appendToGraph,
  attrFloat,
  attrInt,
  attrInts,
  attrString,
  DataType,
  decodeModel,
  isFloatType,
  makeFloatTensor,
  makeInt64Tensor,
  makeNode,
  makeValueInfo,
  type NodeProto,
  valueInfoType,
} from './onnx.js';
import type { GradientRegistry } from './registry.js';
import type { RuleContext } from './rule.js';
import { defaultRegistry } from './rules/index.js';
import { type Dim, inferShapes, isStatic, type Shape } from './shapes.js';

/** Options of {@link buildGradientModel}. */
export interface GradientModelOptions {
  /** What to differentiate. */
  readonly objective: Objective;
  /** Tensors to differentiate with respect to. @defaultValue the model's single (non-initializer) input */
  readonly wrt?: readonly string[];
  /** Extra forward tensors to expose as outputs (for example activations for Grad-CAM). @defaultValue `[]` */
  readonly keep?: readonly string[];
  /** How Relu and Clip pass gradients back. @defaultValue `'standard'` */
  readonly relu?: ReluMode;
  /**
   * Fixed dims for graph inputs, overriding free dims in the model (a batch size, an image size).
   * Gradient rules of windowed ops need static spatial sizes. @defaultValue the model's own dims
   */
  readonly inputShapes?: Readonly<Record<string, readonly Dim[]>>;
  /**
   * Let rules add precomputed weight copies where that makes the backward pass faster: the input
   * gradient of a stride-1 Conv becomes a Conv with spatially flipped, in/out-transposed weights
   * instead of a ConvTranspose (onnxruntime's ConvTranspose kernel is the slower one). Costs one
   * extra copy of those convolutions' weights in memory and in the model.
   * @defaultValue `false`
   */
  readonly precomputeWeights?: boolean;
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
  if (!['standard', 'guided', 'deconvnet'].includes(relu)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `relu must be 'standard', 'guided' or 'deconvnet', got '${String(relu)}'`,
    );
  }
  const shapes = inferShapes(index, options.inputShapes);
  const graph = index.graph;

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

  // ---- naming
  const taken = new Set<string>();
  for (const n of graph.node) {
    for (const o of n.output) taken.add(o);
    taken.add(n.name);
  }
  for (const i of graph.input) taken.add(i.name);
  for (const i of graph.initializer) taken.add(i.name);
  let counter = 0;
  const fresh = (base: string): string => {
    let name: string;
    do name = `fv/${base}_${counter++}`;
    while (taken.has(name));
    taken.add(name);
    return name;
  };
  const newNodes: NodeProto[] = [];
  const newInitializers: ReturnType<typeof makeFloatTensor>[] = [];
  const newInputs: ReturnType<typeof makeValueInfo>[] = [];
  const emitNode = (
    opType: string,
    inputs: readonly string[],
    attrs: Readonly<Record<string, AttrValue>> = {},
    outputs = 1,
    base = opType,
  ): string[] => {
    const outs = Array.from({ length: outputs }, () => fresh(base));
    newNodes.push(makeNode(opType, inputs, outs, fresh(`${base}_node`), attrs));
    return outs;
  };
  const opset = index.opset;
  const constFloat = (values: ArrayLike<number>, dims: readonly number[]): string =>
    emitNode(
      'Constant',
      [],
      { value: { tensor: makeFloatTensor('', dims, values) } },
      1,
      'const',
    )[0]!;
  const constInt64 = (
    values: readonly number[],
    dims: readonly number[] = [values.length],
  ): string =>
    emitNode(
      'Constant',
      [],
      { value: { tensor: makeInt64Tensor('', dims, values) } },
      1,
      'const',
    )[0]!;

  const helpers = makeHelpers(opset, emitNode, constFloat, constInt64);

  // ---- which tensors carry gradients: reachable from wrt (through float ops)
  const active = new Set<string>(wrt);
  for (const node of graph.node) {
    if (!producesFloat(node)) continue;
    if (!node.input.some((i) => active.has(i))) continue;
    const rule = registry.get(node.opType);
    node.output.forEach((o, i) => {
      if (o && !rule?.nonDifferentiableOutputs?.includes(i)) active.add(o);
    });
  }

  // ---- objective: seeds for the gradients of its target tensors, and its value
  const grads = new Map<string, string[]>();
  const addGrad = (tensor: string, g: string): void => {
    const list = grads.get(tensor);
    if (list) list.push(g);
    else grads.set(tensor, [g]);
  };
  const seedInputs: Record<string, string> = {};
  // c broadcast to the shape of a (a·0 + c), for constant gradients of objectives.
  const broadcastLike = (a: string, c: string): string =>
    helpers.op('Add', [helpers.op('Mul', [a, constFloat([0], [])]), c]);
  const valueParts: { weight: number; value: string }[] = [];
  // Dims of the value output: the first objective tensor's batch dim (none for a rank-1 tensor).
  let valueDims: Dim[] | undefined;
  const compile = (objective: Objective, weight: number): void => {
    if (!objective || typeof objective !== 'object' || !('kind' in objective)) {
      throw new FvError('INVALID_ARGUMENT', 'objective must be an object with a kind');
    }
    if (objective.kind === 'sum') {
      if (!Array.isArray(objective.terms) || objective.terms.length === 0) {
        throw new FvError('INVALID_ARGUMENT', "A 'sum' objective needs at least one term");
      }
      for (const term of objective.terms) compile(term.objective, weight * term.weight);
      return;
    }
    const target = objective.kind === 'logit' ? objective.output : objective.tensor;
    if (!index.has(target)) {
      throw new FvError('UNKNOWN_TENSOR', `Objective tensor '${target}' is not in the model`, {
        tensor: target,
      });
    }
    if (!active.has(target)) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Objective tensor '${target}' does not depend on ${wrt.map((w) => `'${w}'`).join(', ')}, so it has no gradient`,
      );
    }
    const shape = shapes.get(target);
    if (!shape)
      throw new FvError('UNSUPPORTED_OP', `Cannot infer the shape of objective tensor '${target}'`);
    const rank = shape.length;
    const perSample = rank > 1 ? Array.from({ length: rank - 1 }, (_, i) => i + 1) : [0];
    // Sum over everything but the batch dim (a scalar target is its own value).
    const reducePerSample = (t: string): string =>
      rank === 0 ? t : helpers.reduceSum(t, perSample, false);
    valueDims ??= rank > 1 ? [shape[0]!] : [];
    const w = (g: string): string =>
      weight === 1 ? g : helpers.op('Mul', [g, constFloat([weight], [])]);
    switch (objective.kind) {
      case 'logit': {
        let seed = seedInputs[target];
        if (!seed) {
          seed = fresh('seed').replace('fv/', 'fv.seed.');
          seedInputs[target] = seed;
          newInputs.push(makeValueInfo(seed, DataType.FLOAT, shape));
        }
        addGrad(target, w(seed));
        valueParts.push({
          weight,
          value: reducePerSample(helpers.op('Mul', [seed, target])),
        });
        return;
      }
      case 'layer': {
        const reduce = objective.reduce ?? 'mean-square';
        const n = staticCount(shape.slice(1), target);
        if (reduce === 'mean-square') {
          addGrad(target, helpers.op('Mul', [target, constFloat([(2 * weight) / n], [])]));
          valueParts.push({
            weight: weight / n,
            value: reducePerSample(helpers.op('Mul', [target, target])),
          });
        } else if (reduce === 'mean') {
          // d mean(a)/da = 1/n everywhere: a constant broadcast to a's shape.
          addGrad(target, broadcastLike(target, constFloat([weight / n], [])));
          valueParts.push({
            weight: weight / n,
            value: reducePerSample(target),
          });
        } else {
          throw new FvError(
            'INVALID_ARGUMENT',
            `layer reduce must be 'mean-square' or 'mean', got '${String(reduce)}'`,
          );
        }
        return;
      }
      case 'channel':
      case 'neuron': {
        if (rank !== 4) {
          throw new FvError(
            'INVALID_ARGUMENT',
            `${objective.kind} objectives need an NCHW tensor; '${target}' has shape [${shape.join(', ')}]`,
          );
        }
        const [, c, h, wd] = shape;
        if (typeof c !== 'number' || typeof h !== 'number' || typeof wd !== 'number') {
          throw new FvError(
            'UNSUPPORTED_OP',
            `'${target}' needs static channel and spatial dims (got [${shape.join(', ')}])`,
          );
        }
        const ch = objective.channel;
        if (!Number.isInteger(ch) || ch < 0 || ch >= c) {
          throw new FvError(
            'OUT_OF_RANGE',
            `channel ${ch} is out of range for '${target}' with ${c} channels (0..${c - 1})`,
          );
        }
        const mask = new Float32Array(c * h * wd);
        if (objective.kind === 'channel') {
          mask.fill(1 / (h * wd), ch * h * wd, (ch + 1) * h * wd);
        } else {
          const y = objective.y ?? Math.floor(h / 2);
          const x = objective.x ?? Math.floor(wd / 2);
          if (!Number.isInteger(y) || y < 0 || y >= h)
            throw new FvError(
              'OUT_OF_RANGE',
              `y ${y} is out of range for '${target}' of height ${h}`,
            );
          if (!Number.isInteger(x) || x < 0 || x >= wd)
            throw new FvError(
              'OUT_OF_RANGE',
              `x ${x} is out of range for '${target}' of width ${wd}`,
            );
          mask[ch * h * wd + y * wd + x] = 1;
        }
        const m = constFloat(mask, [1, c, h, wd]);
        // Broadcast the constant mask to the batch: a·0 + w·mask has a's shape.
        addGrad(
          target,
          broadcastLike(
            target,
            weight === 1 ? m : helpers.op('Mul', [m, constFloat([weight], [])]),
          ),
        );
        valueParts.push({
          weight,
          value: helpers.reduceSum(helpers.op('Mul', [target, m]), [1, 2, 3], false),
        });
        return;
      }
      default:
        throw new FvError(
          'INVALID_ARGUMENT',
          `Unknown objective kind '${(objective as { kind: string }).kind}'`,
        );
    }
  };
  compile(options.objective, 1);

  // ---- the part of the graph to differentiate: active nodes from which an objective target is reachable
  const needed = new Set<string>(grads.keys());
  const order: NodeProto[] = [];
  for (let i = graph.node.length - 1; i >= 0; i--) {
    const node = graph.node[i]!;
    if (!node.output.some((o) => needed.has(o))) continue;
    const ins = node.input.filter((n) => n && active.has(n));
    if (ins.length === 0) continue;
    order.push(node);
    for (const n of ins) needed.add(n);
  }
  if (!wrt.some((w) => needed.has(w))) {
    throw new FvError('INVALID_ARGUMENT', `The objective does not depend on ${wrt.join(', ')}`);
  }

  // ---- reverse sweep
  const accumulated = new Map<string, string>();
  const gradOf = (tensor: string): string | undefined => {
    const done = accumulated.get(tensor);
    if (done) return done;
    const list = grads.get(tensor);
    if (!list || list.length === 0) return undefined;
    let sum = list[0]!;
    for (let k = 1; k < list.length; k++) sum = helpers.op('Add', [sum, list[k]!]);
    accumulated.set(tensor, sum);
    return sum;
  };
  for (const node of order) {
    const rule = registry.get(node.opType);
    const nodeLabel = `${node.opType} node '${node.name || node.output[0]}'`;
    if (!rule) {
      throw new FvError(
        'UNSUPPORTED_OP',
        `No gradient rule for op ${node.opType} (${nodeLabel}) on the path from ${wrt.join(', ')} to the objective. Ops with rules: ${registry.opTypes.join(', ')}`,
        { opType: node.opType, node: node.name, output: node.output[0] },
      );
    }
    if (rule.opsets && (opset < rule.opsets[0] || opset > rule.opsets[1])) {
      throw new FvError(
        'UNSUPPORTED_OP',
        `The ${node.opType} gradient rule supports opsets ${rule.opsets[0]}..${rule.opsets[1]}, the model uses ${opset} (${nodeLabel})`,
        { opType: node.opType, node: node.name },
      );
    }
    if (!node.output.some((o) => o && gradOf(o) !== undefined)) continue;
    const ctx: RuleContext = {
      node,
      opset,
      index,
      relu,
      precomputeWeights: options.precomputeWeights ?? false,
      addInitializer: (values, dims) => {
        const name = fresh('weights');
        newInitializers.push(makeFloatTensor(name, dims, values));
        return name;
      },
      I: (i) => node.input[i] ?? '',
      O: (i) => node.output[i] ?? '',
      GO: (i) => (node.output[i] ? gradOf(node.output[i]!) : undefined),
      needsGI: (i) => {
        const n = node.input[i];
        return !!n && active.has(n) && needed.has(n) && !rule.nonDifferentiable?.includes(i);
      },
      setGI: (i, g) => {
        const n = node.input[i];
        if (n && active.has(n) && needed.has(n)) addGrad(n, g);
      },
      shape: (name) => {
        const s = shapes.get(name);
        if (!isStatic(s)) {
          throw new FvError(
            'UNSUPPORTED_OP',
            `The ${node.opType} gradient needs the static shape of '${name}' (${nodeLabel}); got ${s ? `[${s.join(', ')}]` : 'unknown'}. Pass inputShapes to fix free dims.`,
            { opType: node.opType, node: node.name },
          );
        }
        return s;
      },
      shapeAfterBatch: (name) => {
        const s = shapes.get(name);
        if (!s || !isStatic(s.slice(1))) {
          throw new FvError(
            'UNSUPPORTED_OP',
            `The ${node.opType} gradient needs static dims after the batch dim of '${name}' (${nodeLabel}); got ${s ? `[${s.join(', ')}]` : 'unknown'}. Pass inputShapes to fix free dims.`,
            { opType: node.opType, node: node.name },
          );
        }
        return s.slice(1) as number[];
      },
      symbolicShape: (name) => {
        const s = shapes.get(name);
        if (!s)
          throw new FvError(
            'UNSUPPORTED_OP',
            `Cannot infer the shape of '${name}' (${nodeLabel})`,
            { opType: node.opType, node: node.name },
          );
        return s;
      },
      int: (name, fallback) => attrInt(node, name, fallback),
      float: (name, fallback) => attrFloat(node, name, fallback),
      ints: (name) => attrInts(node, name),
      string: (name, fallback) => attrString(node, name, fallback),
      emit: (opType, inputs, attrs, outputs) => emitNode(opType, inputs, attrs, outputs),
      op: helpers.op,
      constFloat,
      constInt64,
      reduceSum: helpers.reduceSum,
      unsqueeze: helpers.unsqueeze,
      squeeze: helpers.squeeze,
      reshape: helpers.reshape,
      slice: helpers.slice,
      pad: helpers.pad,
      select: helpers.select,
      sumToShape: helpers.sumToShape,
      unsupported: (why) => {
        throw new FvError('UNSUPPORTED_OP', `${nodeLabel}: ${why}`, {
          opType: node.opType,
          node: node.name,
        });
      },
    };
    rule.build(ctx);
  }

  // ---- outputs
  const outputs = [...graph.output];
  const outputNames = new Set(outputs.map((o) => o.name));
  const gradientOutputs: Record<string, string> = {};
  for (const name of wrt) {
    const g = gradOf(name);
    const outName = fresh(`grad`).replace('fv/', 'fv.grad.');
    const s = shapes.get(name) ?? [];
    if (g) newNodes.push(makeNode('Identity', [g], [outName], fresh('grad_out')));
    else newNodes.push(makeNode('Mul', [name, constFloat([0], [])], [outName], fresh('zero_grad')));
    outputs.push(makeValueInfo(outName, DataType.FLOAT, s));
    gradientOutputs[name] = outName;
  }
  let value = valueParts
    .map((p) =>
      p.weight === 1 ? p.value : helpers.op('Mul', [p.value, constFloat([p.weight], [])]),
    )
    .reduce((a, b) => helpers.op('Add', [a, b]));
  const valueOutput = 'fv.value';
  if (taken.has(valueOutput))
    throw new FvError('INVALID_MODEL', `The model already has a tensor named ${valueOutput}`);
  newNodes.push(makeNode('Identity', [value], [valueOutput], fresh('value_out')));
  value = valueOutput;
  const firstInput = graph.input.find((i) => i.name === (wrt[0] ?? ''));
  const batch: Dim = (firstInput && valueInfoType(firstInput)?.dims?.[0]) ?? 'N';
  outputs.push(makeValueInfo(valueOutput, DataType.FLOAT, valueDims ?? [batch]));
  const keptOutputs: Record<string, string> = {};
  for (const name of options.keep ?? []) {
    keptOutputs[name] = name;
    if (!outputNames.has(name)) {
      outputs.push(
        makeValueInfo(name, index.elemTypes.get(name) ?? DataType.FLOAT, shapes.get(name) ?? []),
      );
      outputNames.add(name);
    }
  }

  // The new model is the original bytes followed by a protobuf delta holding only the added
  // nodes, initializers, inputs and outputs: the weights are never re-encoded.
  const merged = appendToGraph(bytes, {
    node: newNodes,
    initializer: newInitializers,
    input: newInputs,
    output: outputs.slice(graph.output.length),
  });
  const seedList = Object.values(seedInputs);
  return {
    bytes: merged,
    seedInputs,
    seedInput: seedList.length === 1 ? seedList[0] : undefined,
    valueOutput,
    gradientOutputs,
    keptOutputs,
    addedNodes: newNodes.length,
  };
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

function staticCount(dims: readonly Dim[], name: string): number {
  if (!isStatic(dims))
    throw new FvError(
      'UNSUPPORTED_OP',
      `'${name}' needs static dims after the batch dim (got [${dims.join(', ')}])`,
    );
  return dims.reduce((p, q) => p * q, 1);
}

type Emit = (
  opType: string,
  inputs: readonly string[],
  attrs?: Readonly<Record<string, AttrValue>>,
  outputs?: number,
  base?: string,
) => string[];

function makeHelpers(
  opset: number,
  emit: Emit,
  constFloat: (v: ArrayLike<number>, d: readonly number[]) => string,
  constInt64: (v: readonly number[], d?: readonly number[]) => string,
) {
  const op = (
    opType: string,
    inputs: readonly string[],
    attrs: Readonly<Record<string, AttrValue>> = {},
  ): string => emit(opType, inputs, attrs, 1)[0]!;
  const reduceSum = (x: string, axes: readonly number[], keepdims: boolean): string =>
    opset >= 13
      ? op('ReduceSum', [x, constInt64([...axes])], { keepdims: { int: keepdims ? 1 : 0 } })
      : op('ReduceSum', [x], { axes: { ints: axes }, keepdims: { int: keepdims ? 1 : 0 } });
  const unsqueeze = (x: string, axes: readonly number[]): string =>
    opset >= 13
      ? op('Unsqueeze', [x, constInt64([...axes])])
      : op('Unsqueeze', [x], { axes: { ints: axes } });
  const squeeze = (x: string, axes: readonly number[]): string =>
    opset >= 13
      ? op('Squeeze', [x, constInt64([...axes])])
      : op('Squeeze', [x], { axes: { ints: axes } });
  const reshape = (x: string, dims: readonly number[]): string =>
    opset >= 5
      ? op('Reshape', [x, constInt64([...dims])])
      : op('Reshape', [x], { shape: { ints: dims } });
  const slice = (
    x: string,
    starts: readonly number[],
    ends: readonly number[],
    axes: readonly number[],
    steps?: readonly number[],
  ): string => {
    if (opset >= 10) {
      const ins = [x, constInt64([...starts]), constInt64([...ends]), constInt64([...axes])];
      if (steps?.some((s) => s !== 1)) ins.push(constInt64([...steps]));
      return op('Slice', ins);
    }
    if (steps?.some((s) => s !== 1)) {
      throw new FvError(
        'UNSUPPORTED_OP',
        `Strided slicing needs opset 10 or newer (model opset ${opset})`,
      );
    }
    return op('Slice', [x], {
      starts: { ints: starts },
      ends: { ints: ends },
      axes: { ints: axes },
    });
  };
  const pad = (x: string, pads: readonly number[], value = 0): string =>
    opset >= 11
      ? op('Pad', [x, constInt64([...pads]), constFloat([value], [])])
      : op('Pad', [x], {
          pads: { ints: pads },
          value: { float: value },
          mode: { string: 'constant' },
        });
  const select = (mask: string, a: string): string =>
    opset >= 9
      ? op('Where', [mask, a, constFloat([0], [])])
      : op('Mul', [a, op('Cast', [mask], { to: { int: DataType.FLOAT } })]);
  const sumToShape = (grad: string, gradShape: Shape, inputShape: Shape): string => {
    const r = gradShape.length;
    const lead = r - inputShape.length;
    const axes: number[] = [];
    for (let i = 0; i < r; i++) {
      if (i < lead) axes.push(i);
      else if (inputShape[i - lead] === 1 && gradShape[i] !== 1) axes.push(i);
    }
    if (axes.length === 0) return grad;
    let g = reduceSum(grad, axes, true);
    if (lead > 0)
      g = squeeze(
        g,
        Array.from({ length: lead }, (_, i) => i),
      );
    return g;
  };
  return { op, reduceSum, unsqueeze, squeeze, reshape, slice, pad, select, sumToShape };
}

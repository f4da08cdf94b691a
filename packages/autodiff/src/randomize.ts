// Model-parameter randomization for the sanity checks of Adebayo et al. (NeurIPS 2018, "Sanity
// Checks for Saliency Maps"): the same ONNX model with the weights of chosen layers re-initialized.
// A rewrite of initializers only: the graph, its names and every other weight stay as they are, so
// the randomized model runs (and differentiates) exactly like the original.
import { createRng, FvError, type RandomInit, type Rng } from '@fv/core';
import {
  asModel,
  attrInt,
  DataType,
  encodeModel,
  floatValues,
  type ModelInput,
  makeFloatTensor,
  type NodeProto,
  type TensorProto,
} from './onnx.js';

/** One layer that {@link randomizeLayers} can re-initialize. */
export interface ParameterizedLayer {
  /** The layer's name: the name of its main node (or that node's first output when unnamed). */
  readonly name: string;
  /** Op types of its nodes: the main node, then a normalization or bias `Add` folded into it. */
  readonly opTypes: readonly string[];
  /** Its float32 initializers, each owned by exactly one layer. */
  readonly initializers: readonly string[];
  /** Number of weights in those initializers. */
  readonly parameters: number;
}

/** Options of {@link randomizeLayers}. */
export interface RandomizeOptions {
  /** Names of the layers to randomize, from {@link parameterizedLayers}. */
  readonly layers: readonly string[];
  /**
   * `reset`: PyTorch's `reset_parameters()` for the layer type, as Quantus randomizes PyTorch
   * models: Conv, ConvTranspose, Gemm and MatMul weights and biases uniform in ±1/√fan_in
   * (`kaiming_uniform_(a=√5)`); normalization scale 1, bias 0, running mean 0 and variance 1;
   * PRelu slope 0.25. `shuffle`: a random permutation of each weight tensor's own values (keeps
   * their distribution; Quantus's choice for TensorFlow models). @defaultValue `'reset'`
   */
  readonly init?: RandomInit;
  /**
   * Seed. Each initializer draws from its own stream (seed and name), so a layer gets the same
   * weights whichever other layers are randomized with it: the models of a cascade agree on every
   * layer they share. @defaultValue 0
   */
  readonly seed?: number;
}

/** Ops whose weights make a layer, with the input index of the weight that sets fan_in. */
const WEIGHT_OPS: Readonly<Record<string, readonly number[]>> = {
  Conv: [1, 2],
  ConvTranspose: [1, 2],
  Gemm: [1, 2],
  MatMul: [1],
};
/** Normalizations (and PRelu) and their parameter inputs, in order. */
const NORM_OPS: Readonly<Record<string, readonly number[]>> = {
  BatchNormalization: [1, 2, 3, 4],
  InstanceNormalization: [1, 2],
  LayerNormalization: [1, 2],
  PRelu: [1],
};

interface Parameter {
  readonly tensor: TensorProto;
  /** What `reset` writes: uniform ±bound, or a constant. */
  readonly reset: { readonly bound: number } | { readonly value: number };
}

interface Layer {
  readonly name: string;
  readonly opTypes: string[];
  readonly parameters: Parameter[];
}

const count = (t: TensorProto): number => t.dims.reduce((a, d) => a * Number(d), 1);

/** fan_in as PyTorch computes it for the weight of `node` (its dim 1 times the kernel size). */
function fanIn(node: NodeProto, weight: TensorProto): number {
  const dims = weight.dims.map(Number);
  switch (node.opType) {
    case 'Conv':
    case 'ConvTranspose':
      return dims.slice(1).reduce((a, d) => a * d, 1);
    case 'Gemm':
      return attrInt(node, 'transB', 0) ? dims[1]! : dims[0]!;
    default:
      return dims[dims.length - 2] ?? dims[0]!;
  }
}

/**
 * The layers of `model` whose weights are float32 initializers, **top first** (from the output
 * back to the input, in reverse graph order), as a cascading randomization visits them. A layer is
 * a Conv, ConvTranspose, Gemm or MatMul node with its weight (and bias) initializers, together with
 * the normalization or bias `Add` that directly follows it; a normalization or PRelu on its own is
 * a layer too. Weights held in `Constant` nodes or behind `DequantizeLinear` are not listed.
 * @throws FvError `INVALID_MODEL` when the bytes are not an ONNX model.
 */
export function parameterizedLayers(model: ModelInput): ParameterizedLayer[] {
  return findLayers(model).map((l) => ({
    name: l.name,
    opTypes: l.opTypes,
    initializers: l.parameters.map((p) => p.tensor.name),
    parameters: l.parameters.reduce((a, p) => a + count(p.tensor), 0),
  }));
}

function findLayers(input: ModelInput): Layer[] {
  const graph = asModel(input).graph!;
  const floats = new Map<string, TensorProto>();
  for (const t of graph.initializer) {
    if (t.dataType === DataType.FLOAT && count(t) > 0) floats.set(t.name, t);
  }
  const owned = new Set<string>();
  const take = (name: string | undefined): TensorProto | undefined => {
    if (!name || owned.has(name)) return undefined;
    const t = floats.get(name);
    if (t) owned.add(name);
    return t;
  };
  const consumers = new Map<string, NodeProto[]>();
  for (const node of graph.node) {
    for (const i of node.input) consumers.set(i, [...(consumers.get(i) ?? []), node]);
  }
  const nameOf = (node: NodeProto) => node.name || node.output[0] || node.opType;
  // A normalization (or a MatMul's bias Add) directly after a weight node belongs to its layer.
  const followerOf = new Map<NodeProto, NodeProto>();
  const folded = new Set<NodeProto>();
  for (const node of graph.node) {
    const weightInputs = WEIGHT_OPS[node.opType];
    if (!weightInputs || !floats.has(node.input[weightInputs[0]!] ?? '')) continue;
    const next = consumers.get(node.output[0] ?? '') ?? [];
    const follower = next.length === 1 ? next[0]! : undefined;
    const isNorm = follower && follower.opType !== 'PRelu' && NORM_OPS[follower.opType];
    const isBias =
      follower?.opType === 'Add' &&
      node.opType === 'MatMul' &&
      follower.input.some((i) => floats.has(i));
    if (follower && (isNorm || isBias)) {
      followerOf.set(node, follower);
      folded.add(follower);
    }
  }
  // Top first: walk the nodes backwards, so a weight shared by two layers belongs to the upper one.
  const layers: Layer[] = [];
  for (let n = graph.node.length - 1; n >= 0; n--) {
    const node = graph.node[n]!;
    if (folded.has(node)) continue;
    const parameters: Parameter[] = [];
    const opTypes = [node.opType];
    const weightInputs = WEIGHT_OPS[node.opType];
    if (weightInputs) {
      const weight = floats.get(node.input[weightInputs[0]!] ?? '');
      if (!weight) continue;
      const bound = 1 / Math.sqrt(Math.max(1, fanIn(node, weight)));
      for (const k of weightInputs) {
        const t = take(node.input[k]);
        if (t) parameters.push({ tensor: t, reset: { bound } });
      }
      const follower = followerOf.get(node);
      if (follower?.opType === 'Add') {
        const bias = take(follower.input.find((i) => floats.has(i)));
        if (bias) parameters.push({ tensor: bias, reset: { bound } });
        opTypes.push('Add');
      } else if (follower) {
        parameters.push(...normParameters(follower, take));
        opTypes.push(follower.opType);
      }
    } else if (NORM_OPS[node.opType]) {
      parameters.push(...normParameters(node, take));
    }
    if (parameters.length > 0) layers.push({ name: nameOf(node), opTypes, parameters });
  }
  return layers;
}

function normParameters(
  node: NodeProto,
  take: (name: string | undefined) => TensorProto | undefined,
): Parameter[] {
  // BatchNormalization: scale, bias, mean, var; Instance/LayerNormalization: scale, bias; PRelu.
  const values =
    node.opType === 'PRelu' ? [0.25] : node.opType === 'BatchNormalization' ? [1, 0, 0, 1] : [1, 0];
  const out: Parameter[] = [];
  NORM_OPS[node.opType]!.forEach((k, i) => {
    const t = take(node.input[k]);
    if (t) out.push({ tensor: t, reset: { value: values[i]! } });
  });
  return out;
}

/** FNV-1a hash of a string, for per-initializer random streams. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function randomized(p: Parameter, init: RandomInit, rng: Rng): Float32Array {
  const n = count(p.tensor);
  if (init === 'shuffle') {
    const values = floatValues(p.tensor);
    if (values.length !== n) {
      throw new FvError(
        'INVALID_MODEL',
        `Initializer '${p.tensor.name}' holds ${values.length} values for ${n} elements (external data is not supported)`,
      );
    }
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const v = values[i]!;
      values[i] = values[j]!;
      values[j] = v;
    }
    return values;
  }
  const out = new Float32Array(n);
  if ('value' in p.reset) return out.fill(p.reset.value);
  const { bound } = p.reset;
  for (let i = 0; i < n; i++) out[i] = (2 * rng.next() - 1) * bound;
  return out;
}

/**
 * Returns a copy of `model` (ONNX bytes) whose chosen layers have re-initialized weights. For the
 * cascading randomization of Adebayo et al., pass the first k names of
 * {@link parameterizedLayers} (the top k layers); for their independent randomization, one name.
 * `model` is never changed.
 * @throws FvError `UNKNOWN_TENSOR` for a name that is not a parameterized layer,
 *   `INVALID_ARGUMENT` for a bad `init`, `INVALID_MODEL` for unreadable bytes.
 * @example
 * const layers = parameterizedLayers(bytes); // top first
 * const top3 = randomizeLayers(bytes, { layers: layers.slice(0, 3).map((l) => l.name) });
 */
export function randomizeLayers(model: ModelInput, options: RandomizeOptions): Uint8Array {
  const init = options.init ?? 'reset';
  if (init !== 'reset' && init !== 'shuffle') {
    throw new FvError(
      'INVALID_ARGUMENT',
      `init must be 'reset' or 'shuffle', got '${String(init)}'`,
    );
  }
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) {
    throw new FvError('INVALID_ARGUMENT', `seed must be a finite number, got ${seed}`);
  }
  const decoded = asModel(model);
  const layers = findLayers(decoded);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const replaced = new Map<string, TensorProto>();
  for (const name of options.layers) {
    const layer = byName.get(name);
    if (!layer) {
      const known = layers.map((l) => l.name);
      throw new FvError(
        'UNKNOWN_TENSOR',
        `'${name}' is not a parameterized layer of this model (${known.length} layers${known.length > 0 ? `, top first: ${known.slice(0, 5).join(', ')}${known.length > 5 ? ', …' : ''}` : ''})`,
        { layer: name },
      );
    }
    for (const p of layer.parameters) {
      const rng = createRng((hash(p.tensor.name) ^ Math.imul(Math.trunc(seed), 0x9e3779b1)) >>> 0);
      const values = randomized(p, init, rng);
      replaced.set(
        p.tensor.name,
        makeFloatTensor(p.tensor.name, p.tensor.dims.map(Number), values),
      );
    }
  }
  const graph = decoded.graph!;
  return encodeModel({
    ...decoded,
    graph: { ...graph, initializer: graph.initializer.map((t) => replaced.get(t.name) ?? t) },
  });
}

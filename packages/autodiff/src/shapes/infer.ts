// Static shape inference over a whole graph, one node at a time in graph order, with each op's
// `shape` and `fold` functions from its rule (src/rules/<OpType>.ts). Dims that follow from the
// graph inputs win over what the model declares in value_info; shapes observed in a forward run
// (see `unresolvedShapes`) fill in what static inference cannot tell.
import type { GraphIndex } from '../graph.js';
import { attributeReader, type NodeProto, valueInfoType } from '../onnx.js';
import type { GradientRegistry } from '../registry.js';
import type { ShapeContext } from '../rule.js';
import { type Dim, isStatic, isUnknownDim, type Shape } from './dims.js';
import {
  type ConstValue,
  isConstValue,
  MAX_FOLDED_ELEMENTS,
  type TensorValue,
  type ValueSource,
} from './values.js';

/** What shape inference starts from. */
export interface ShapeOptions {
  /**
   * Dims of graph inputs, overriding the model's own (a batch size, an image size). Symbols the
   * model declares for those inputs (`batch`, `height`) take these values everywhere.
   * @defaultValue the model's own dims
   */
  readonly inputShapes?: Readonly<Record<string, readonly Dim[]>> | undefined;
  /**
   * Shapes seen in a forward run with these input shapes, for tensors that static inference
   * cannot tell ({@link unresolvedShapes} lists them). @defaultValue none
   */
  readonly observedShapes?: Readonly<Record<string, readonly number[]>> | undefined;
}

/** The shapes (and known small values) of a graph's tensors. */
export interface ShapeTable extends ValueSource {
  get(name: string): Shape | undefined;
  /** The value of a tensor known at build time, possibly with symbolic entries. */
  value(name: string): TensorValue | undefined;
  /** Node outputs whose shape is unknown or has free dims, in graph order. */
  unresolved(): string[];
}

/** Infers the shape of every tensor in the graph (see {@link ShapeOptions}). */
export function inferShapes(
  index: GraphIndex,
  registry: GradientRegistry,
  options: ShapeOptions = {},
): ShapeTable {
  const shapes = new Map<string, Shape>();
  const values = new Map<string, TensorValue>();
  const inputShapes = options.inputShapes ?? {};
  const observed = options.observedShapes ?? {};

  // Symbols of the declared inputs that inputShapes fixes, to substitute in declared shapes.
  const bound = new Map<string, Dim>();
  for (const [name, t] of index.initializers) shapes.set(name, t.dims.map(Number));
  for (const vi of index.graph.input) {
    if (index.initializers.has(vi.name)) continue;
    const declared = valueInfoType(vi)?.dims ?? [];
    const given = inputShapes[vi.name];
    if (given) {
      declared.forEach((d, i) => {
        if (typeof d === 'string' && given[i] !== undefined) bound.set(d, given[i]!);
      });
      shapes.set(vi.name, [...given]);
    } else {
      shapes.set(
        vi.name,
        declared.map((d, i) => d ?? `?${vi.name}:${i}`),
      );
    }
  }
  const declared = new Map<string, Shape>();
  for (const vi of [...index.graph.valueInfo, ...index.graph.output]) {
    const dims = valueInfoType(vi)?.dims;
    if (dims)
      declared.set(
        vi.name,
        dims.map((d, i) => (d === null ? `?${vi.name}:${i}` : (bound.get(String(d)) ?? d))),
      );
  }

  const knownValue = (name: string): TensorValue | undefined => {
    if (!name) return undefined;
    const v = values.get(name);
    if (v) return v;
    const size = index.constSize(name);
    return size !== undefined && size <= MAX_FOLDED_ELEMENTS ? index.constValue(name) : undefined;
  };
  const elemTypeOf = (name: string): number | undefined =>
    index.elemTypes.get(name) ?? values.get(name)?.elemType;

  for (const node of index.graph.node) {
    const rule = registry.get(node.opType, node.domain);
    const ctx = shapeContext(node, index.opset, shapes, knownValue, elemTypeOf);
    let outs: readonly (Shape | undefined)[] = [];
    let folded: readonly (TensorValue | undefined)[] | undefined;
    try {
      outs = rule?.shape?.(ctx) ?? [];
      folded = rule?.fold?.(ctx);
    } catch {
      // A shape function that trips over an odd node leaves its outputs unknown; the
      // gradient rule that needs them says so, naming the node.
    }
    node.output.forEach((name, i) => {
      if (!name) return;
      const v = folded?.[i];
      if (v && v.values.length <= MAX_FOLDED_ELEMENTS) values.set(name, v);
      const s = merge(outs[i] ?? (v ? v.dims : undefined), declared.get(name), observed[name]);
      if (s) shapes.set(name, s);
    });
  }

  return {
    get: (name) => shapes.get(name),
    value: knownValue,
    constValue: (name) => {
      const v = knownValue(name);
      if (isConstValue(v)) return v;
      // Large constants (weights) are read on demand, never kept in the table.
      return values.has(name) ? undefined : index.constValue(name);
    },
    unresolved: () =>
      index.graph.node.flatMap((n) => n.output.filter((o) => o && !isStatic(shapes.get(o)))),
  };
}

/**
 * Inferred dims first; a dim inference made up (`?…`) takes the declared one; a shape observed in
 * a forward run replaces whatever is not a number.
 */
function merge(
  inferred: Shape | undefined,
  declared: Shape | undefined,
  observed: readonly number[] | undefined,
): Shape | undefined {
  let s = inferred;
  if (s && declared && declared.length === s.length)
    s = s.map((d, i) => (isUnknownDim(d) ? declared[i]! : d));
  s ??= declared;
  if (observed && (!s || s.length !== observed.length || !isStatic(s))) {
    const base = s && s.length === observed.length ? s : observed;
    s = base.map((d, i) => (typeof d === 'number' ? d : observed[i]!));
  }
  return s;
}

function shapeContext(
  node: NodeProto,
  opset: number,
  shapes: ReadonlyMap<string, Shape>,
  value: (name: string) => TensorValue | undefined,
  elemType: (name: string) => number | undefined,
): ShapeContext {
  const input = (i: number) => node.input[i] ?? '';
  return {
    ...attributeReader(node, opset),
    input: (i) => (input(i) ? shapes.get(input(i)) : undefined),
    value: (i) => value(input(i)),
    constant: (i) => {
      const v = value(input(i));
      return isConstValue(v) ? (v as ConstValue) : undefined;
    },
    elemType: (i) => (input(i) ? elemType(input(i)) : undefined),
    unknown: (output, axis) => `?${node.output[output] || node.name}:${axis}`,
  };
}

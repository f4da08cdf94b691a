import type { ReluMode } from '@fv/core';
import type { GraphWriter } from './emitter.js';
import type { GraphIndex } from './graph.js';
import type { AttrValue, NodeProto } from './onnx.js';
import type { Shape } from './shapes/dims.js';
import type { ConstValue, TensorValue } from './shapes/values.js';

/** Attribute readers shared by shape functions and gradient rules (defaults as in the ONNX spec). */
export interface AttributeReader {
  readonly node: NodeProto;
  /** Opset of the default ONNX domain. */
  readonly opset: number;
  int(name: string, fallback: number): number;
  float(name: string, fallback: number): number;
  ints(name: string): number[] | undefined;
  floats(name: string): number[] | undefined;
  string(name: string, fallback: string): string;
}

/**
 * What a rule's `shape` and `fold` functions see: the shapes and known values of one node's
 * inputs. Nothing here throws; an input that is absent or unknown reads as `undefined`.
 */
export interface ShapeContext extends AttributeReader {
  /** Shape of input i. */
  input(i: number): Shape | undefined;
  /** Value of input i when known at build time (constants, folded shape arithmetic). */
  value(i: number): TensorValue | undefined;
  /** {@link ShapeContext.value} when all its values are numbers. */
  constant(i: number): ConstValue | undefined;
  /** ONNX element type of input i, when declared or folded. */
  elemType(i: number): number | undefined;
  /** A dim this op cannot tell: a symbol of its own for output `output`, axis `axis`. */
  unknown(output: number, axis: number): string;
}

/**
 * What a gradient rule sees while it writes the backward nodes of one forward node. Names follow
 * onnxruntime training's gradient builder: `I(i)` forward input, `O(i)` forward output, `GO(i)`
 * the gradient flowing into output i, `setGI(i, name)` the gradient this node sends to input i.
 */
export interface RuleContext
  extends AttributeReader,
    Pick<
      GraphWriter,
      | 'op'
      | 'constFloat'
      | 'constInt64'
      | 'reduceSum'
      | 'unsqueeze'
      | 'squeeze'
      | 'reshape'
      | 'slice'
      | 'pad'
      | 'select'
      | 'floatMask'
      | 'sumToShape'
    > {
  readonly index: GraphIndex;
  /** How Relu-like rules pass gradients back. */
  readonly relu: ReluMode;
  /** Whether rules may add precomputed (transformed) weight copies for speed. */
  readonly precomputeWeights: boolean;
  /** Whether Relu-like rules may use float masks built with Conv + Clip (see GradientModelOptions). */
  readonly convMasks: boolean;
  /** Adds a float initializer (a precomputed weight copy) and returns its name. */
  addInitializer(values: Float32Array, dims: readonly number[]): string;
  I(i: number): string;
  O(i: number): string;
  /** Gradient flowing into output i, or `undefined` when no gradient reaches that output. */
  GO(i: number): string | undefined;
  /** Whether input i needs a gradient (it lies on the path from a `wrt` tensor). */
  needsGI(i: number): boolean;
  /** Records this node's gradient contribution to input i (summed with other contributions). */
  setGI(i: number, name: string): void;

  /** Static shape of a tensor; throws UNSUPPORTED_OP naming the node when unknown. */
  shape(name: string): readonly number[];
  /** Dims after the batch dim, which must be static; the batch dim may be free. */
  shapeAfterBatch(name: string): readonly number[];
  /** Shape of a tensor with symbolic dims kept (for example a free batch dim). */
  symbolicShape(name: string): Shape;
  /** Numeric value of a tensor known at build time (constants and folded shape arithmetic). */
  constValue(name: string): ConstValue | undefined;
  /** {@link RuleContext.constValue} of input i (as {@link ShapeContext.constant}). */
  constant(i: number): ConstValue | undefined;
  /** Whether a tensor does not depend on any graph input (weights and what is computed from them). */
  isConstant(name: string): boolean;

  /** Emits one node and returns its output names (fresh, unique). */
  emit(
    opType: string,
    inputs: readonly string[],
    attrs?: Readonly<Record<string, AttrValue>>,
    outputs?: number,
  ): string[];

  /** Throws UNSUPPORTED_OP naming this node and op type. */
  unsupported(why: string): never;
}

/**
 * Everything fv knows about one ONNX op type: how its outputs are shaped, how it folds known
 * values, and its backward pass. One rule per op type, in `src/rules/<OpType>.ts`.
 */
export interface GradientRule {
  readonly opType: string;
  /** Operator domain. @defaultValue `''` (the default ONNX domain) */
  readonly domain?: string;
  /** Opset versions of the op this rule understands, inclusive. @defaultValue `[1, Infinity]` */
  readonly opsets?: readonly [number, number];
  /**
   * Indices of inputs that never get a gradient (shapes, axes, indices). Inputs that are
   * constants (weights) never get one either, whatever this says.
   */
  readonly nonDifferentiable?: readonly number[];
  /** Outputs of integer or boolean type that carry no gradient (for example MaxPool's Indices). */
  readonly nonDifferentiableOutputs?: readonly number[];
  /**
   * Output shapes from the input shapes and known input values; an entry (or a dim, via
   * `ctx.unknown`) the op cannot tell is left undefined. @defaultValue every output unknown
   */
  shape?(ctx: ShapeContext): readonly (Shape | undefined)[];
  /**
   * Output values when they follow from known input values: the small integer computations on
   * shapes that exporters emit (`Shape → Gather → Concat → Reshape`). Shape inference keeps
   * values of up to 4096 elements. @defaultValue nothing is folded
   */
  fold?(ctx: ShapeContext): readonly (TensorValue | undefined)[] | undefined;
  /**
   * Whether gradients flow through this node at all (Cast does only to float types).
   * @defaultValue true when `build` is present
   */
  carriesGradient?(node: NodeProto): boolean;
  /**
   * Writes the backward nodes. Rules without it describe ops through which no gradient flows:
   * integer or boolean outputs (Shape, Equal, ArgMax) or a derivative that is zero almost
   * everywhere (Floor, Sign).
   */
  build?(ctx: RuleContext): void;
}

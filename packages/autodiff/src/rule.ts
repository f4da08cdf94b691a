import type { ReluMode } from '@fv/core';
import type { GraphIndex } from './graph.js';
import type { AttrValue, NodeProto } from './onnx.js';
import type { Shape } from './shapes.js';

/**
 * What a gradient rule sees while it writes the backward nodes of one forward node. Names follow
 * onnxruntime training's gradient builder: `I(i)` forward input, `O(i)` forward output, `GO(i)`
 * the gradient flowing into output i, `setGI(i, name)` the gradient this node sends to input i.
 */
export interface RuleContext {
  readonly node: NodeProto;
  readonly opset: number;
  readonly index: GraphIndex;
  /** How Relu-like rules pass gradients back. */
  readonly relu: ReluMode;
  /** Whether rules may add precomputed (transformed) weight copies for speed. */
  readonly precomputeWeights: boolean;
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

  int(name: string, fallback: number): number;
  float(name: string, fallback: number): number;
  ints(name: string): number[] | undefined;
  string(name: string, fallback: string): string;

  /** Emits one node and returns its output names (fresh, unique). */
  emit(
    opType: string,
    inputs: readonly string[],
    attrs?: Readonly<Record<string, AttrValue>>,
    outputs?: number,
  ): string[];
  /** Emits one single-output node and returns its output name. */
  op(
    opType: string,
    inputs: readonly string[],
    attrs?: Readonly<Record<string, AttrValue>>,
  ): string;
  constFloat(values: ArrayLike<number>, dims: readonly number[]): string;
  constInt64(values: readonly number[], dims?: readonly number[]): string;

  // Opset-aware helpers (attribute form before the opset that moved the argument to an input).
  reduceSum(x: string, axes: readonly number[], keepdims: boolean): string;
  unsqueeze(x: string, axes: readonly number[]): string;
  squeeze(x: string, axes: readonly number[]): string;
  reshape(x: string, dims: readonly number[]): string;
  slice(
    x: string,
    starts: readonly number[],
    ends: readonly number[],
    axes: readonly number[],
    steps?: readonly number[],
  ): string;
  pad(x: string, pads: readonly number[], value?: number): string;
  /** `mask ? a : 0` for a boolean mask (Where from opset 9, Cast and Mul before). */
  select(mask: string, a: string): string;
  /** Sums a broadcast gradient back to the shape of the input it came from. */
  sumToShape(grad: string, gradShape: Shape, inputShape: Shape): string;

  /** Throws UNSUPPORTED_OP naming this node and op type. */
  unsupported(why: string): never;
}

/** A backward rule for one ONNX op type. */
export interface GradientRule {
  readonly opType: string;
  /** Opset versions of the op this rule understands, inclusive. @defaultValue `[1, Infinity]` */
  readonly opsets?: readonly [number, number];
  /**
   * Indices of inputs that never get a gradient (shapes, axes, indices). Inputs that are
   * constants (weights) never get one either, whatever this says.
   */
  readonly nonDifferentiable?: readonly number[];
  /** Outputs of integer or boolean type that carry no gradient (for example MaxPool's Indices). */
  readonly nonDifferentiableOutputs?: readonly number[];
  build(ctx: RuleContext): void;
}

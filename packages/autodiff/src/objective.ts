// Objectives compiled into graph pieces: the seed gradient of each target tensor, seed inputs for
// `logit` objectives (fed at run time, so changing the class never rebuilds), and the value
// output (one number per batch item).
import { FvError, type Objective } from '@fv/core';
import type { GraphWriter } from './emitter.js';
import type { GraphIndex } from './graph.js';
import { type Dim, formatShape, isStatic, product, SHAPE_HINT, type Shape } from './shapes/dims.js';
import type { ShapeTable } from './shapes/infer.js';
import type { ImageLayout } from './tokens.js';

export interface CompiledObjective {
  /** Seed gradients per target tensor (summed when a tensor is a target twice). */
  readonly seeds: ReadonlyMap<string, readonly string[]>;
  /** Seed input name per `logit` output tensor. */
  readonly seedInputs: Readonly<Record<string, string>>;
  /** The objective's value per batch item, before it is named as an output. */
  readonly value: string;
  /** Dims of the value: the first target's batch dim (none for a rank-1 target). */
  readonly valueDims: readonly Dim[] | undefined;
}

export interface ObjectiveEnv {
  readonly index: GraphIndex;
  readonly shapes: ShapeTable;
  /** Tensors that depend on a `wrt` tensor through float ops. */
  readonly active: ReadonlySet<string>;
  readonly wrt: readonly string[];
  readonly writer: GraphWriter;
  /** Where a tensor sits on the image (for channel and neuron objectives). */
  readonly layoutOf?: (tensor: string) => ImageLayout | undefined;
}

/** Compiles `objective` (a `sum` recursively) into seeds and a value; see {@link CompiledObjective}. */
export function compileObjective(objective: Objective, env: ObjectiveEnv): CompiledObjective {
  const { writer: w } = env;
  const seeds = new Map<string, string[]>();
  const seedInputs: Record<string, string> = {};
  const parts: { weight: number; value: string }[] = [];
  let valueDims: Dim[] | undefined;
  const addSeed = (tensor: string, g: string) => {
    const list = seeds.get(tensor);
    if (list) list.push(g);
    else seeds.set(tensor, [g]);
  };
  // c broadcast to the shape of a (a·0 + c): constant gradients of objectives.
  const broadcastLike = (a: string, c: string): string =>
    w.op('Add', [w.op('Mul', [a, w.constFloat([0], [])]), c]);
  const scaled = (g: string, weight: number): string =>
    weight === 1 ? g : w.op('Mul', [g, w.constFloat([weight], [])]);

  const compile = (o: Objective, weight: number): void => {
    if (!o || typeof o !== 'object' || !('kind' in o))
      throw new FvError('INVALID_ARGUMENT', 'objective must be an object with a kind');
    if (o.kind === 'sum') {
      if (!Array.isArray(o.terms) || o.terms.length === 0)
        throw new FvError('INVALID_ARGUMENT', "A 'sum' objective needs at least one term");
      for (const term of o.terms) compile(term.objective, weight * term.weight);
      return;
    }
    const target = o.kind === 'logit' ? o.output : o.tensor;
    const shape = targetShape(target, env);
    const rank = shape.length;
    const perSample = rank > 1 ? Array.from({ length: rank - 1 }, (_, i) => i + 1) : [0];
    // Sum over everything but the batch dim (a scalar target is its own value).
    const perItem = (t: string): string => (rank === 0 ? t : w.reduceSum(t, perSample, false));
    valueDims ??= rank > 1 ? [shape[0]!] : [];
    switch (o.kind) {
      case 'logit': {
        let seed = seedInputs[target];
        if (!seed) {
          seed = w.fresh('seed', 'fv.seed.');
          seedInputs[target] = seed;
          w.addInput(seed, shape);
        }
        addSeed(target, scaled(seed, weight));
        parts.push({ weight, value: perItem(w.op('Mul', [seed, target])) });
        return;
      }
      case 'layer': {
        const reduce = o.reduce ?? 'mean-square';
        const n = staticCount(shape.slice(1), target);
        if (reduce === 'mean-square') {
          addSeed(target, w.op('Mul', [target, w.constFloat([(2 * weight) / n], [])]));
          parts.push({ weight: weight / n, value: perItem(w.op('Mul', [target, target])) });
        } else if (reduce === 'mean') {
          // d mean(a)/da = 1/n everywhere: a constant broadcast to a's shape.
          addSeed(target, broadcastLike(target, w.constFloat([weight / n], [])));
          parts.push({ weight: weight / n, value: perItem(target) });
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
        const mask = unitMask(o, target, shape, env.layoutOf?.(target));
        const m = w.constFloat(mask.values, mask.dims);
        addSeed(target, broadcastLike(target, scaled(m, weight)));
        parts.push({ weight, value: perItem(w.op('Mul', [target, m])) });
        return;
      }
      default:
        throw new FvError(
          'INVALID_ARGUMENT',
          `Unknown objective kind '${(o as { kind: string }).kind}'`,
        );
    }
  };
  compile(objective, 1);

  const value = parts.map((p) => scaled(p.value, p.weight)).reduce((a, b) => w.op('Add', [a, b]));
  return { seeds, seedInputs, value, valueDims };
}

/** The tensors an objective reads (its terms' for a sum); malformed objectives are refused. */
export function objectiveTargets(o: Objective): string[] {
  if (!o || typeof o !== 'object' || !('kind' in o))
    throw new FvError('INVALID_ARGUMENT', 'objective must be an object with a kind');
  if (o.kind === 'sum')
    return Array.isArray(o.terms) ? o.terms.flatMap((t) => objectiveTargets(t.objective)) : [];
  return [o.kind === 'logit' ? o.output : o.tensor];
}

/** The shape of an objective's target, after checking that it exists and depends on `wrt`. */
function targetShape(target: string, env: ObjectiveEnv): Shape {
  if (!env.index.has(target)) {
    throw new FvError('UNKNOWN_TENSOR', `Objective tensor '${target}' is not in the model`, {
      tensor: target,
    });
  }
  if (!env.active.has(target)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Objective tensor '${target}' does not depend on ${env.wrt.map((w) => `'${w}'`).join(', ')}, so it has no gradient`,
    );
  }
  const shape = env.shapes.get(target);
  if (!shape)
    throw new FvError(
      'UNSUPPORTED_OP',
      `Cannot infer the shape of objective tensor '${target}'. ${SHAPE_HINT}`,
      { tensor: target },
    );
  return shape;
}

function staticCount(dims: Shape, name: string): number {
  if (!isStatic(dims))
    throw new FvError(
      'UNSUPPORTED_OP',
      `'${name}' needs static dims after the batch dim (got ${formatShape(dims)}). ${SHAPE_HINT}`,
      { tensor: name },
    );
  return product(dims);
}

/** Where a unit objective's channel and position live in its target tensor. */
type UnitAxes =
  | { kind: 'grid'; channelAxis: number; rowAxis: number; colAxis: number }
  | { kind: 'tokens'; channelAxis: number; tokenAxis: number; prefix: number; cols: number }
  | { kind: 'vector'; channelAxis: number };

/**
 * The axes of a unit objective's target: its layout on the image when known (feature maps with
 * channels first or last, token sequences), else NCHW for rank 4 and [N, C] for rank 2.
 */
function unitAxes(
  target: string,
  shape: Shape,
  layout: ImageLayout | undefined,
  kind: string,
): UnitAxes {
  if (layout?.kind === 'grid' && layout.channelAxis !== null)
    return {
      kind: 'grid',
      channelAxis: layout.channelAxis,
      rowAxis: layout.rowAxis,
      colAxis: layout.colAxis,
    };
  if (layout?.kind === 'tokens' && layout.channelAxis !== null)
    return {
      kind: 'tokens',
      channelAxis: layout.channelAxis,
      tokenAxis: layout.tokenAxis,
      prefix: layout.prefix.length,
      cols: layout.cols,
    };
  if (shape.length === 4) return { kind: 'grid', channelAxis: 1, rowAxis: 2, colAxis: 3 };
  if (shape.length === 2) return { kind: 'vector', channelAxis: 1 };
  throw new FvError(
    'INVALID_ARGUMENT',
    `${kind} objectives need a feature map, a token sequence or a vector; '${target}' has shape ${formatShape(shape)} and no known place on the image (give inputShapes)`,
  );
}

/**
 * The constant weights of a `channel` objective (the mean of channel c over the grid, or over the
 * patch tokens, class tokens left out) or a `neuron` objective (channel c at grid cell or patch
 * (y, x), default the centre; the unit itself for a vector), shaped [1, …dims after the batch].
 */
function unitMask(
  o: Extract<Objective, { kind: 'channel' | 'neuron' }>,
  target: string,
  shape: Shape,
  layout: ImageLayout | undefined,
): { values: Float32Array; dims: number[] } {
  const axes = unitAxes(target, shape, layout, o.kind);
  const rest = shape.slice(1);
  if (!isStatic(rest))
    throw new FvError(
      'UNSUPPORTED_OP',
      `'${target}' needs static dims after the batch dim (got ${formatShape(shape)}). ${SHAPE_HINT}`,
    );
  const dims = [1, ...rest];
  const c = dims[axes.channelAxis]!;
  const ch = o.channel;
  if (!Number.isInteger(ch) || ch < 0 || ch >= c) {
    throw new FvError(
      'OUT_OF_RANGE',
      `channel ${ch} is out of range for '${target}' with ${c} channels (0..${c - 1})`,
    );
  }
  // The grid the positions live on: rows × cols of a feature map, or of the patch tokens.
  const [h, wd] =
    axes.kind === 'grid'
      ? [dims[axes.rowAxis]!, dims[axes.colAxis]!]
      : axes.kind === 'tokens'
        ? [(dims[axes.tokenAxis]! - axes.prefix) / axes.cols, axes.cols]
        : [1, 1];
  let y = 0;
  let x = 0;
  if (o.kind === 'neuron') {
    y = o.y ?? Math.floor(h / 2);
    x = o.x ?? Math.floor(wd / 2);
    if (!Number.isInteger(y) || y < 0 || y >= h)
      throw new FvError('OUT_OF_RANGE', `y ${y} is out of range for '${target}' of height ${h}`);
    if (!Number.isInteger(x) || x < 0 || x >= wd)
      throw new FvError('OUT_OF_RANGE', `x ${x} is out of range for '${target}' of width ${wd}`);
  }
  const mask = new Float32Array(product(rest));
  const coords = dims.map(() => 0);
  for (let flat = 0; flat < mask.length; flat++) {
    let r = flat;
    for (let i = dims.length - 1; i >= 1; i--) {
      coords[i] = r % dims[i]!;
      r = Math.floor(r / dims[i]!);
    }
    if (coords[axes.channelAxis] !== ch) continue;
    let row = 0;
    let col = 0;
    if (axes.kind === 'grid') [row, col] = [coords[axes.rowAxis]!, coords[axes.colAxis]!];
    else if (axes.kind === 'tokens') {
      const t = coords[axes.tokenAxis]! - axes.prefix;
      if (t < 0 || t >= h * wd) continue; // class and distillation tokens
      [row, col] = [Math.floor(t / wd), t % wd];
    }
    if (o.kind === 'channel') mask[flat] = 1 / (h * wd);
    else if (row === y && col === x) mask[flat] = 1;
  }
  return { values: mask, dims };
}

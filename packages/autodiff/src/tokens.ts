// Where a model's tensors sit on the input image: grids (convolution feature maps, channels first
// or last) and token sequences (vision transformers: patch tokens on a grid, after class or
// distillation tokens), followed from the input through the graph; and the Softmax outputs that
// hold attention probabilities. What inspectModel reports as `layout` and `attention`.

import type { AttentionMap, ExtraToken, GridLayout, ImageLayout, TokenLayout } from '@fv/core';
import type { GraphIndex } from './graph.js';
import { attrInt, attrInts, attributeReader, type NodeProto } from './onnx.js';
import { type Dim, isStatic, normAxis, product } from './shapes/dims.js';
import { sliceParams } from './shapes/functions.js';
import type { ShapeTable } from './shapes/infer.js';
import { isConstValue } from './shapes/values.js';

// The layout types are @fv/core's (engine.info carries them across packages and the worker).
export type { AttentionMap, ExtraToken, GridLayout, ImageLayout, TokenLayout };

interface Scores {
  readonly kind: 'scores';
  readonly queryAxis: number;
  readonly keyAxis: number;
  readonly tokens: TokenLayout | null;
}

type Layout = ImageLayout | Scores;

/** Ops whose output has the shape of an input and keeps its layout when the shapes agree. */
const STRUCTURAL = new Set([
  'Reshape',
  'Flatten',
  'Squeeze',
  'Unsqueeze',
  'Transpose',
  'Concat',
  'Slice',
  'Split',
  'Gather',
  'MatMul',
  'MatMulInteger',
  'Gemm',
  'Einsum',
  'Conv',
  'ConvInteger',
  'ConvTranspose',
  'MaxPool',
  'AveragePool',
  'LpPool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'Resize',
  'Upsample',
  'Pad',
  'Expand',
  'Tile',
  'ReduceMean',
  'ReduceSum',
  'ReduceMax',
  'ReduceMin',
  'ReduceL2',
  'ReduceL1',
  'ReduceSumSquare',
  'ReduceLogSumExp',
  'ReduceProd',
  'Shape',
  'Size',
  'ArgMax',
  'ArgMin',
  'NonZero',
  'GatherElements',
  'GatherND',
  'ScatterND',
  'ScatterElements',
  'Range',
  'ConstantOfShape',
  'DynamicQuantizeLinear',
]);

const EXTRA: readonly ExtraToken[] = ['class', 'distillation'];

export interface ImageLayouts {
  readonly layouts: ReadonlyMap<string, ImageLayout>;
  readonly attention: readonly AttentionMap[];
}

/**
 * Follows the image from the model's input through the graph. Needs static shapes (give
 * `inputShapes` for free dims); tensors whose placement on the image is lost (windows, tokens
 * merged into the batch, pooled vectors) get no layout.
 */
export function imageLayouts(
  index: GraphIndex,
  shapes: ShapeTable,
  onImagePath: ReadonlySet<string>,
  input: string,
): ImageLayouts {
  const layouts = new Map<string, Layout>();
  const attention: AttentionMap[] = [];
  const image = imageOf(shapes.get(input));
  if (!image) return { layouts: new Map(), attention };
  layouts.set(input, image.layout);
  const staticShape = (name: string) => {
    const s = shapes.get(name);
    return isStatic(s) ? s : undefined;
  };
  const cellOf = (rows: number, cols: number): [number, number] => [
    image.height / rows,
    image.width / cols,
  ];
  for (const node of index.graph.node) {
    const out = node.output[0];
    if (!out) continue;
    const ys = staticShape(out);
    const ins = node.input.map((name) => ({
      name,
      layout: name ? layouts.get(name) : undefined,
      shape: name ? staticShape(name) : undefined,
      image: !!name && onImagePath.has(name),
    }));
    if (!ys || !ins.some((i) => i.layout)) continue;
    const first = ins.find((i) => i.layout)!;
    let result: Layout | undefined;
    const op = node.domain && node.domain !== 'ai.onnx' ? '' : node.opType;
    if (!STRUCTURAL.has(op)) {
      // Elementwise and normalizations: the layout of the input the output is shaped like.
      const same = ins.find((i) => i.layout && i.shape && sameDims(i.shape, ys));
      result = same?.layout;
      if (op === 'Softmax' && same?.layout?.kind === 'scores') {
        const axis = normAxis(attrInt(node, 'axis', index.opset >= 13 ? -1 : 1), ys.length);
        if (axis === same.layout.keyAxis)
          attention.push(attentionMap(out, node.input[0]!, ys, same.layout, image.batch));
      }
    } else {
      switch (op) {
        case 'Reshape':
        case 'Flatten':
        case 'Squeeze':
        case 'Unsqueeze':
          result = first.shape && reshaped(first.layout!, first.shape, ys, cellOf);
          break;
        case 'Transpose': {
          const perm = attrInts(node, 'perm') ?? ys.map((_, i) => ys.length - 1 - i);
          result = permuted(first.layout!, perm);
          break;
        }
        case 'Concat':
          result = concatenated(node, ins, ys);
          break;
        case 'Slice':
          result = sliced(node, shapes, first.layout!, first.shape, ys, cellOf);
          break;
        case 'Split':
          node.output.forEach((o) => {
            const s = o ? staticShape(o) : undefined;
            const l = first.layout!;
            if (!o || !s || l.kind === 'scores') return;
            const axis = normAxis(attrInt(node, 'axis', 0), s.length);
            if (axis === l.channelAxis) layouts.set(o, { ...l, channels: s[axis]! });
            // Pieces along an axis the layout does not use (qkv.unbind of a fused projection).
            else if (!layoutAxes(l).includes(axis)) layouts.set(o, l);
          });
          continue;
        case 'Gather': {
          // Channels picked from a feature map (x[:, c] of transform_input): the grid remains.
          const l = first.layout!;
          const axis = normAxis(attrInt(node, 'axis', 0), first.shape?.length ?? 0);
          const idx = staticShape(node.input[1] ?? '');
          if (l.kind === 'grid' && axis === l.channelAxis && idx && idx.length <= 1) {
            const drop = idx.length === 0;
            const shift = (a: number) => (drop && a > axis ? a - 1 : a);
            result = {
              ...l,
              rowAxis: shift(l.rowAxis),
              colAxis: shift(l.colAxis),
              channelAxis: drop ? null : axis,
              channels: drop ? null : idx[0]!,
            };
          } else if (
            l.kind !== 'scores' &&
            idx &&
            idx.length <= 1 &&
            !layoutAxes(l).includes(axis)
          ) {
            // One slice along an axis the layout does not use (q, k or v of a fused qkv
            // projection, timm's qkv[0]): the layout remains, later axes shift down.
            result = withoutAxis(l, axis, idx.length === 0);
          }
          break;
        }
        case 'Pad': {
          // Zero-padding a feature map (explicit pads before a pool, Swin's pad to a window
          // multiple): the grid extends past the image with cells of the same size.
          const l = first.layout!;
          const pads = ins[1]?.name
            ? shapes.constValue(ins[1].name)?.values
            : attrInts(node, 'pads');
          const r = ys.length;
          if (l.kind === 'grid' && pads?.length === 2 * r && !node.input[3]) {
            const other = pads.some(
              (v, i) => v !== 0 && i % r !== l.rowAxis && i % r !== l.colAxis,
            );
            if (!other) result = { ...l, rows: ys[l.rowAxis]!, cols: ys[l.colAxis]! };
          } else if (pads?.every((v) => v === 0)) result = l;
          break;
        }
        case 'MatMul':
        case 'MatMulInteger':
          result = matmul(ins[0]!, ins[1]!, ys);
          break;
        case 'Conv':
        case 'ConvInteger':
        case 'MaxPool':
        case 'AveragePool':
        case 'LpPool': {
          const l = first.layout!;
          if (l.kind === 'grid' && l.rowAxis === 2 && l.colAxis === 3 && ys.length === 4)
            result = grid(2, 3, 1, ys, cellOf);
          break;
        }
        case 'ReduceMean':
        case 'ReduceSum':
        case 'ReduceMax':
        case 'ReduceL2':
        case 'ReduceSumSquare': {
          // A reduction over the channels only (the statistics of a decomposed LayerNorm).
          const l = first.layout!;
          if (l.kind !== 'scores' && l.channelAxis !== null && sameRank(first.shape, ys)) {
            const kept = first.shape!.every((d, i) => i === l.channelAxis || d === ys[i]);
            if (kept && ys[l.channelAxis] === 1) result = { ...l, channels: 1 };
          }
          break;
        }
        default:
          break;
      }
    }
    if (result) layouts.set(out, result);
  }
  const images = new Map<string, ImageLayout>();
  for (const [name, l] of layouts) if (l.kind !== 'scores') images.set(name, l);
  // In graph order (block order), whichever way each was found.
  const order = new Map(index.graph.node.map((n, i) => [n.output[0], i]));
  const all = [...attention, ...windowedAttention(index, shapes, onImagePath, layouts)];
  all.sort((a, b) => order.get(a.tensor)! - order.get(b.tensor)!);
  return { layouts: images, attention: all };
}

/** The input as a grid: NCHW, or NHWC when the last axis holds 1, 3 or 4 channels. */
function imageOf(
  s: readonly Dim[] | undefined,
): { layout: GridLayout; height: number; width: number; batch: number } | undefined {
  if (!isStatic(s) || s.length !== 4) return undefined;
  const nhwc = [1, 3, 4].includes(s[3]!) && ![1, 3, 4].includes(s[1]!);
  const [h, w, c] = nhwc ? [s[1]!, s[2]!, s[3]!] : [s[2]!, s[3]!, s[1]!];
  const layout: GridLayout = {
    kind: 'grid',
    rowAxis: nhwc ? 1 : 2,
    colAxis: nhwc ? 2 : 3,
    channelAxis: nhwc ? 3 : 1,
    rows: h,
    cols: w,
    channels: c,
    cell: [1, 1],
  };
  return { layout, height: h, width: w, batch: s[0]! };
}

function grid(
  rowAxis: number,
  colAxis: number,
  channelAxis: number | null,
  s: readonly number[],
  cellOf: (rows: number, cols: number) => [number, number],
): GridLayout {
  return {
    kind: 'grid',
    rowAxis,
    colAxis,
    channelAxis,
    rows: s[rowAxis]!,
    cols: s[colAxis]!,
    channels: channelAxis === null ? null : s[channelAxis]!,
    cell: cellOf(s[rowAxis]!, s[colAxis]!),
  };
}

const sameDims = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);
const sameRank = (a: readonly number[] | undefined, b: readonly number[]) =>
  !!a && a.length === b.length;

/**
 * Groups of input and output axes of a reshape whose sizes multiply to the same number: [input
 * axes, output axes] per group, size-1 axes joining a neighbour.
 */
function axisGroups(
  a: readonly number[],
  b: readonly number[],
): [number[], number[]][] | undefined {
  if (product(a) !== product(b)) return undefined;
  const groups: [number[], number[]][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const ga: number[] = [];
    const gb: number[] = [];
    let pa = 1;
    let pb = 1;
    do {
      if ((pa <= pb || j >= b.length) && i < a.length) pa *= a[ga.push(i) && i++]!;
      else if (j < b.length) pb *= b[gb.push(j) && j++]!;
      else break;
    } while (pa !== pb || (ga.length === 0 && i < a.length) || (gb.length === 0 && j < b.length));
    // Trailing size-1 axes belong to this group.
    while (i < a.length && a[i] === 1 && (j >= b.length || b[j] !== 1)) ga.push(i++);
    while (j < b.length && b[j] === 1 && (i >= a.length || a[i] !== 1)) gb.push(j++);
    groups.push([ga, gb]);
  }
  return groups;
}

/** The output axis an input axis maps to one-to-one (its group holds no other sized axis). */
function oneToOne(
  groups: [number[], number[]][],
  axis: number,
  a: readonly number[],
  b: readonly number[],
): number | undefined {
  const g = groups.find(([ga]) => ga.includes(axis));
  if (!g) return undefined;
  const others = g[0].filter((x) => x !== axis && a[x] !== 1);
  const sized = g[1].filter((y) => b[y] !== 1);
  if (others.length || sized.length !== 1) return undefined;
  return sized[0];
}

function reshaped(
  l: Layout,
  a: readonly number[],
  b: readonly number[],
  cellOf: (rows: number, cols: number) => [number, number],
): Layout | undefined {
  if (l.kind === 'scores') return undefined;
  const groups = axisGroups(a, b);
  if (!groups) return undefined;
  const channelAxis =
    l.channelAxis === null ? null : (oneToOne(groups, l.channelAxis, a, b) ?? null);
  const channelSplit = l.channelAxis !== null && channelAxis === null;
  if (l.kind === 'grid') {
    const r = oneToOne(groups, l.rowAxis, a, b);
    const c = oneToOne(groups, l.colAxis, a, b);
    if (r !== undefined && c !== undefined) return { ...l, rowAxis: r, colAxis: c, channelAxis };
    // Rows and columns merged into one axis: a token sequence (ViT patch embedding).
    const g = groups.find(([ga]) => ga.includes(l.rowAxis));
    if (!g?.[0].includes(l.colAxis) || l.colAxis !== l.rowAxis + 1) return undefined;
    const sized = g[1].filter((y) => b[y] !== 1);
    if (g[0].some((x) => x !== l.rowAxis && x !== l.colAxis && a[x] !== 1) || sized.length !== 1)
      return undefined;
    return {
      kind: 'tokens',
      tokenAxis: sized[0]!,
      channelAxis,
      length: l.rows * l.cols,
      channels: channelAxis === null ? null : b[channelAxis]!,
      prefix: [],
      suffix: 0,
      rows: l.rows,
      cols: l.cols,
      cell: l.cell,
    };
  }
  const t = oneToOne(groups, l.tokenAxis, a, b);
  if (t !== undefined) {
    return {
      ...l,
      tokenAxis: t,
      channelAxis,
      channels: channelAxis === null ? (channelSplit ? null : l.channels) : b[channelAxis]!,
    };
  }
  // Patch tokens split back into rows and columns (a feature map again).
  const g = groups.find(([ga]) => ga.includes(l.tokenAxis));
  if (!g || l.prefix.length || l.suffix) return undefined;
  const sized = g[1].filter((y) => b[y] !== 1);
  if (g[0].some((x) => x !== l.tokenAxis && a[x] !== 1) || sized.length !== 2) return undefined;
  if (b[sized[0]!] !== l.rows || b[sized[1]!] !== l.cols) return undefined;
  return grid(sized[0]!, sized[1]!, channelAxis, b, cellOf);
}

/** The axes an image layout uses (rows, columns or tokens, and channels). */
function layoutAxes(l: ImageLayout): number[] {
  const axes = l.kind === 'grid' ? [l.rowAxis, l.colAxis] : [l.tokenAxis];
  return l.channelAxis === null ? axes : [...axes, l.channelAxis];
}

/** The layout after one index along an unused `axis` is taken (`drop`: the axis goes away). */
function withoutAxis(l: ImageLayout, axis: number, drop: boolean): ImageLayout {
  const shift = (a: number) => (drop && a > axis ? a - 1 : a);
  const channelAxis = l.channelAxis === null ? null : shift(l.channelAxis);
  return l.kind === 'grid'
    ? { ...l, rowAxis: shift(l.rowAxis), colAxis: shift(l.colAxis), channelAxis }
    : { ...l, tokenAxis: shift(l.tokenAxis), channelAxis };
}

function permuted(l: Layout, perm: readonly number[]): Layout {
  const to = (axis: number) => perm.indexOf(axis);
  switch (l.kind) {
    case 'grid':
      return {
        ...l,
        rowAxis: to(l.rowAxis),
        colAxis: to(l.colAxis),
        channelAxis: l.channelAxis === null ? null : to(l.channelAxis),
      };
    case 'tokens':
      return {
        ...l,
        tokenAxis: to(l.tokenAxis),
        channelAxis: l.channelAxis === null ? null : to(l.channelAxis),
      };
    default:
      return { ...l, queryAxis: to(l.queryAxis), keyAxis: to(l.keyAxis) };
  }
}

interface Operand {
  readonly name: string;
  readonly layout: Layout | undefined;
  readonly shape: readonly number[] | undefined;
  readonly image: boolean;
}

function concatenated(
  node: NodeProto,
  ins: readonly Operand[],
  ys: readonly number[],
): Layout | undefined {
  const axis = normAxis(attrInt(node, 'axis', 0), ys.length);
  const carriers = ins.filter((i) => i.layout);
  const l = carriers[0]!.layout!;
  if (l.kind === 'scores') return undefined;
  if (axis === l.channelAxis || (l.kind === 'grid' && l.channelAxis === null)) {
    // Channels stacked: every image operand must be the same grid or sequence.
    const agree = ins.every((i) => !i.image || (i.layout && sameSpatial(i.layout, l)));
    if (!agree || (l.kind === 'grid' && (axis === l.rowAxis || axis === l.colAxis)))
      return undefined;
    return { ...l, channelAxis: axis, channels: ys[axis]! };
  }
  if (l.kind !== 'tokens' || axis !== l.tokenAxis || carriers.length !== 1) return undefined;
  // Tokens prepended (class, distillation) or appended: operands off the image path.
  if (ins.some((i) => i.image && !i.layout)) return undefined;
  const at = ins.indexOf(carriers[0]!);
  const count = (list: readonly Operand[]) =>
    list.reduce((n, i) => n + (i.shape?.[axis] ?? Number.NaN), 0);
  const before = count(ins.slice(0, at));
  const after = count(ins.slice(at + 1));
  if (!Number.isInteger(before) || !Number.isInteger(after)) return undefined;
  // Named by position: the first token is the class token, the second the distillation token.
  const prefix = Array.from({ length: before + l.prefix.length }, (_, k) => EXTRA[k] ?? 'register');
  return { ...l, prefix, suffix: l.suffix + after, length: ys[axis]! };
}

function sameSpatial(a: Layout, b: ImageLayout): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'grid' && b.kind === 'grid')
    return (
      a.rowAxis === b.rowAxis && a.colAxis === b.colAxis && a.rows === b.rows && a.cols === b.cols
    );
  if (a.kind === 'tokens' && b.kind === 'tokens')
    return (
      a.tokenAxis === b.tokenAxis && a.length === b.length && a.prefix.length === b.prefix.length
    );
  return false;
}

function sliced(
  node: NodeProto,
  shapes: ShapeTable,
  l: Layout,
  xs: readonly number[] | undefined,
  ys: readonly number[],
  cellOf: (rows: number, cols: number) => [number, number],
): Layout | undefined {
  if (!xs || l.kind === 'scores') return undefined;
  const ctx = {
    ...attributeReader(node, 0),
    constant: (i: number) => {
      const v = node.input[i] ? shapes.value(node.input[i]!) : undefined;
      return isConstValue(v) ? v : undefined;
    },
  };
  const p = sliceParams(ctx, xs);
  if (!p) return undefined;
  let next: Layout = l;
  for (const [k, axis] of p.axes.entries()) {
    const count = p.counts[axis]!;
    if (count === xs[axis]) continue;
    if (axis === next.channelAxis) next = { ...next, channels: count };
    else if (next.kind === 'tokens' && axis === next.tokenAxis) {
      // Extra tokens dropped from the front (x[:, 1:]): the patch tokens remain.
      const start = p.starts[k]!;
      if (
        p.steps[k] !== 1 ||
        start > next.prefix.length ||
        start + count < next.length - next.suffix
      )
        return undefined;
      next = {
        ...next,
        prefix: next.prefix.slice(start),
        suffix: next.suffix - (next.length - start - count),
        length: count,
      };
    } else if (next.kind === 'grid' && (axis === next.rowAxis || axis === next.colAxis)) {
      // Every s-th row or column over the whole grid (Swin's patch merging): a coarser grid.
      // Crops (the halves of a roll) lose the placement.
      const step = p.steps[k]!;
      if (
        step < 2 ||
        p.starts[k]! >= step ||
        count !== Math.ceil((xs[axis]! - p.starts[k]!) / step)
      )
        return undefined;
      const g: GridLayout = { ...next, rows: ys[next.rowAxis]!, cols: ys[next.colAxis]! };
      next = { ...g, cell: cellOf(g.rows, g.cols) };
    } else return undefined;
  }
  return next;
}

function matmul(a: Operand, b: Operand, ys: readonly number[]): Layout | undefined {
  const r = ys.length;
  const la = a.layout;
  const lb = b.layout;
  if (la && la.kind !== 'scores' && !b.image) {
    // Activations times weights (on the last axis): tokens, or a channels-last grid, keep their
    // layout.
    if (la.kind === 'tokens' && la.tokenAxis < r - 1)
      return { ...la, channelAxis: r - 1, channels: ys[r - 1]! };
    if (la.kind === 'grid' && la.channelAxis === r - 1 && Math.max(la.rowAxis, la.colAxis) < r - 1)
      return { ...la, channels: ys[r - 1]! };
    return undefined;
  }
  // Queries times transposed keys: attention scores; attention times values: tokens again.
  if (
    la?.kind === 'tokens' &&
    lb?.kind === 'tokens' &&
    la.tokenAxis === r - 2 &&
    lb.tokenAxis === r - 1
  )
    return { kind: 'scores', queryAxis: r - 2, keyAxis: r - 1, tokens: la };
  if (
    la?.kind === 'scores' &&
    la.keyAxis === r - 1 &&
    lb?.kind === 'tokens' &&
    lb.tokenAxis === r - 2
  )
    return la.tokens
      ? { ...la.tokens, tokenAxis: r - 2, channelAxis: r - 1, channels: ys[r - 1]! }
      : undefined;
  return undefined;
}

function attentionMap(
  tensor: string,
  scores: string,
  dims: readonly number[],
  l: Scores,
  batch: number,
): AttentionMap {
  const base = {
    tensor,
    scores,
    dims,
    queryAxis: l.queryAxis,
    keyAxis: l.keyAxis,
    tokens: l.tokens,
  };
  if (dims.length === 4) return { ...base, headAxis: 1, heads: dims[1]! };
  // [batch·heads, queries, keys] (nn.MultiheadAttention's export): batch-major.
  if (dims.length === 3 && dims[0]! % batch === 0)
    return { ...base, headAxis: 0, heads: dims[0]! / batch };
  return { ...base, headAxis: null, heads: null };
}

/**
 * Attention whose tokens are not the image's (windows, tokens merged into the batch): a Softmax
 * over the last axis of square scores that come, through elementwise ops with constants and
 * reshapes keeping the last two axes, from a MatMul of two tensors on the image path.
 */
function windowedAttention(
  index: GraphIndex,
  shapes: ShapeTable,
  onImagePath: ReadonlySet<string>,
  layouts: ReadonlyMap<string, Layout>,
): AttentionMap[] {
  const found: AttentionMap[] = [];
  for (const node of index.graph.node) {
    if (node.opType !== 'Softmax' || node.domain) continue;
    const out = node.output[0]!;
    const scores = node.input[0]!;
    const s = shapes.get(out);
    if (!isStatic(s) || s.length < 3 || s.at(-1) !== s.at(-2)) continue;
    if (layouts.get(scores)?.kind === 'scores' || !onImagePath.has(scores)) continue;
    const axis = normAxis(attrInt(node, 'axis', index.opset >= 13 ? -1 : 1), s.length);
    if (axis !== s.length - 1 || !fromQueryKeyProduct(index, scores, onImagePath)) continue;
    const headAxis = s.length === 4 ? 1 : null;
    found.push({
      tensor: out,
      scores,
      dims: s,
      queryAxis: s.length - 2,
      keyAxis: s.length - 1,
      headAxis,
      heads: headAxis === null ? null : s[headAxis]!,
      tokens: null,
    });
  }
  return found;
}

function fromQueryKeyProduct(
  index: GraphIndex,
  name: string,
  onImagePath: ReadonlySet<string>,
): boolean {
  let t = name;
  for (let depth = 0; depth < 12; depth++) {
    const p = index.producer.get(t)?.node;
    if (!p) return false;
    if (p.opType === 'MatMul' || p.opType === 'Einsum')
      return p.input.filter((i) => onImagePath.has(i)).length === 2;
    const imageInputs = p.input.filter((i) => onImagePath.has(i));
    if (imageInputs.length !== 1) return false;
    t = imageInputs[0]!;
  }
  return false;
}

/**
 * The token layout most tensors of the model share (a ViT's residual stream), when token
 * sequences outnumber grids (the trunk is a transformer), else `null` (CNNs; Swin, whose trunk
 * is channels-last grids even where a window covering the whole grid makes a short sequence).
 */
export function dominantTokens(layouts: ReadonlyMap<string, ImageLayout>): TokenLayout | null {
  const counts = new Map<string, { layout: TokenLayout; n: number }>();
  let sequences = 0;
  let grids = 0;
  for (const l of layouts.values()) {
    if (l.kind === 'grid') grids++;
    else sequences++;
    if (l.kind !== 'tokens' || l.channelAxis === null) continue;
    const key = JSON.stringify([l.length, l.channels, l.prefix, l.rows, l.cols]);
    const c = counts.get(key);
    if (c) c.n++;
    else counts.set(key, { layout: l, n: 1 });
  }
  if (sequences <= grids) return null;
  let best: { layout: TokenLayout; n: number } | undefined;
  for (const c of counts.values()) if (!best || c.n > best.n) best = c;
  return best?.layout ?? null;
}

// The token structure of a vision transformer, read from static shapes: the patch grid of the
// patch embedding (the first strided Conv on the input), the token sequences built from it
// ([batch, prefix + rows·cols, hidden], a class token first, a distillation token second),
// channels-last grids ([batch, rows / s, cols / s, channels], Swin) and the attention
// probabilities (Softmax over the last axis of square query·key scores). What inspectModel
// reports as `layers[].layout` and `attention`, for models that have attention.
//
// A small, shape-based finder (issue #15 needed it before the graph-following token analysis of
// issue #14 landed; that analysis replaces this file).
import type { AttentionMap, ExtraToken, ImageLayout, TokenLayout } from '@fv/core';
import type { GraphIndex } from './graph.js';
import { attrInt } from './onnx.js';
import { type Dim, normAxis } from './shapes/dims.js';
import type { ShapeTable } from './shapes/infer.js';

const EXTRA: readonly ExtraToken[] = ['class', 'distillation'];
/** Most extra tokens before the patches that are taken for tokens (class, distillation, registers). */
const MAX_PREFIX = 8;

export interface TokenStructure {
  readonly layouts: ReadonlyMap<string, ImageLayout>;
  readonly attention: readonly AttentionMap[];
}

/** Dims after the batch axis when they are all static. */
const item = (s: readonly Dim[] | undefined): number[] | undefined =>
  s && s.length >= 2 && s.slice(1).every((d) => typeof d === 'number')
    ? (s.slice(1) as number[])
    : undefined;

/**
 * Finds the token structure of a transformer. Empty when the model has no attention (CNNs keep
 * their plain NCHW reading) or the input has no static image size.
 */
export function tokenStructure(
  index: GraphIndex,
  shapes: ShapeTable,
  onImagePath: ReadonlySet<string>,
): TokenStructure {
  const none: TokenStructure = { layouts: new Map(), attention: [] };
  const input = index.realInputs[0];
  const image = input ? item(shapes.get(input)) : undefined;
  if (!input || image?.length !== 3) return none;
  const nhwc = [1, 3, 4].includes(image[2]!) && ![1, 3, 4].includes(image[0]!);
  const [height, width] = nhwc ? [image[0]!, image[1]!] : [image[1]!, image[2]!];

  // The patch grid: the first Conv on the image path with a stride above 1.
  let rows = 0;
  let cols = 0;
  for (const node of index.graph.node) {
    if (node.opType !== 'Conv' || !onImagePath.has(node.input[0] ?? '')) continue;
    const out = item(shapes.get(node.output[0]!));
    if (out?.length !== 3 || out[1]! >= height) continue;
    [rows, cols] = [out[1]!, out[2]!];
    break;
  }
  if (rows === 0) return none;
  const cell: [number, number] = [height / rows, width / cols];

  // Attention: Softmax over the last axis of square scores that come from a MatMul.
  const softmax = index.graph.node.filter((node) => {
    if (node.opType !== 'Softmax' || (node.domain && node.domain !== 'ai.onnx')) return false;
    const s = item(shapes.get(node.output[0]!));
    if (!s || s.length < 2 || s.at(-1) !== s.at(-2) || !onImagePath.has(node.input[0]!))
      return false;
    const axis = normAxis(attrInt(node, 'axis', index.opset >= 13 ? -1 : 1), s.length + 1);
    return axis === s.length && fromMatMul(index, node.input[0]!);
  });
  if (softmax.length === 0) return none;

  const tokensOf = (length: number, channels: number | null, axis: number): TokenLayout | null => {
    const prefix = length - rows * cols;
    if (prefix < 0 || prefix > MAX_PREFIX) return null;
    return {
      kind: 'tokens',
      tokenAxis: axis,
      channelAxis: channels === null ? null : axis + 1,
      length,
      channels,
      prefix: Array.from({ length: prefix }, (_, k) => EXTRA[k] ?? 'register'),
      suffix: 0,
      rows,
      cols,
      cell,
    };
  };
  const batch = shapes.get(input)?.[0];
  const attention: AttentionMap[] = softmax.map((node) => {
    const dims = shapes
      .get(node.output[0]!)!
      .map((d, i) => (i === 0 && typeof d !== 'number' ? 1 : d)) as number[];
    const rank = dims.length;
    const t = dims[rank - 1]!;
    const tokens = tokensOf(t, null, rank - 2);
    const headAxis = rank === 4 ? 1 : rank === 3 ? 0 : null;
    // Heads merged into the batch ([batch · heads, T, T], nn.MultiheadAttention): batch-major.
    const merged = headAxis === 0 && typeof batch === 'number' && dims[0]! % batch === 0;
    return {
      tensor: node.output[0]!,
      scores: node.input[0]!,
      dims,
      queryAxis: rank - 2,
      keyAxis: rank - 1,
      headAxis,
      heads: headAxis === null ? null : merged ? dims[0]! / (batch as number) : dims[headAxis]!,
      tokens,
    };
  });

  // Layouts: token sequences [batch, T, C] and channels-last grids [batch, rows / s, cols / s, C].
  const layouts = new Map<string, ImageLayout>();
  const grids = new Set<string>();
  for (let s = 1; rows % s === 0 && cols % s === 0; s *= 2) grids.add(`${rows / s}x${cols / s}`);
  for (const node of index.graph.node) {
    for (const out of node.output) {
      if (!out || !onImagePath.has(out)) continue;
      const d = item(shapes.get(out));
      if (d?.length === 2 && d[1]! > 1) {
        const tokens = tokensOf(d[0]!, d[1]!, 1);
        if (tokens) layouts.set(out, { ...tokens, channels: d[1]! });
      } else if (d?.length === 3 && grids.has(`${d[0]}x${d[1]}`) && !grids.has(`${d[1]}x${d[2]}`)) {
        const [r, c] = [d[0]!, d[1]!];
        layouts.set(out, {
          kind: 'grid',
          rowAxis: 1,
          colAxis: 2,
          channelAxis: 3,
          rows: r,
          cols: c,
          channels: d[2]!,
          cell: [height / r, width / c],
        });
      } else if (d?.length === 3 && grids.has(`${d[1]}x${d[2]}`)) {
        const [r, c] = [d[1]!, d[2]!];
        layouts.set(out, {
          kind: 'grid',
          rowAxis: 2,
          colAxis: 3,
          channelAxis: 1,
          rows: r,
          cols: c,
          channels: d[0]!,
          cell: [height / r, width / c],
        });
      }
    }
  }
  return { layouts, attention };
}

/** The token layout most tensors share (a ViT's residual stream: length, hidden size, tokens), if any. */
export function dominantTokens(layouts: ReadonlyMap<string, ImageLayout>): TokenLayout | null {
  const counts = new Map<string, { layout: TokenLayout; n: number }>();
  for (const l of layouts.values()) {
    if (l.kind !== 'tokens' || l.channelAxis === null) continue;
    const key = JSON.stringify([l.length, l.channels, l.prefix, l.rows, l.cols]);
    const c = counts.get(key);
    if (c) c.n++;
    else counts.set(key, { layout: l, n: 1 });
  }
  let best: { layout: TokenLayout; n: number } | undefined;
  for (const c of counts.values()) if (!best || c.n > best.n) best = c;
  return best?.layout ?? null;
}

/** Whether `name` comes from a MatMul (or Einsum) through at most a few single-input-on-path ops. */
function fromMatMul(index: GraphIndex, name: string): boolean {
  let t = name;
  for (let depth = 0; depth < 8; depth++) {
    const node = index.producer.get(t)?.node;
    if (!node) return false;
    if (node.opType === 'MatMul' || node.opType === 'Einsum') return true;
    const next = node.input[0];
    if (!next) return false;
    t = next;
  }
  return false;
}

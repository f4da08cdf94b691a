// The transformer methods: attention rollout (Abnar & Zuidema 2020) and transformer attribution
// (Chefer, Gur & Wolf 2021), from the attention probabilities `engine.info.attention` lists.
import type { EngineInfo } from '../engine.js';
import { FvError, throwIfAborted } from '../errors.js';
import type { AttentionMap, TokenLayout } from '../feature-map.js';
import type { Tensor } from '../tensor.js';
import { type CamAttribution, upsampleCam } from './cam.js';
import { layerGradients, type SaliencyContext } from './context.js';
import type {
  AttentionOptions,
  AttentionRolloutOptions,
  AttentionToken,
  TransformerAttributionOptions,
} from './types.js';

/** The attention tensors a method reads, their common tokens and the row it explains. */
export interface AttentionPlan {
  readonly maps: readonly AttentionMap[];
  readonly tokens: TokenLayout;
  /** The query token whose row is read, or `'mean'` for the mean of every row. */
  readonly row: number | 'mean';
  readonly token: AttentionToken;
}

const sameTokens = (a: TokenLayout, b: TokenLayout) =>
  a.length === b.length &&
  a.rows === b.rows &&
  a.cols === b.cols &&
  a.prefix.length === b.prefix.length &&
  a.suffix === b.suffix;

/**
 * Which attention tensors to read (`options.attention` names, else every one the model has) and
 * which query row explains the output (`options.token`).
 * @throws FvError `UNSUPPORTED_MODEL` when the model has no attention over its image tokens
 *   (attention within shifted windows, as in Swin, cannot be rolled out), `UNKNOWN_TENSOR` for a
 *   name that is not an attention tensor, `INVALID_ARGUMENT` for a token the model lacks.
 */
export function planAttention(info: EngineInfo, options: AttentionOptions): AttentionPlan {
  const found = info.attention ?? [];
  let maps: AttentionMap[];
  if (options.attention !== undefined) {
    if (!Array.isArray(options.attention) || options.attention.length === 0)
      throw new FvError('INVALID_ARGUMENT', 'attention must be a non-empty list of tensor names');
    maps = options.attention.map((name) => {
      const map = found.find((a) => a.tensor === name);
      if (map) return map;
      const known = found.map((a) => a.tensor);
      throw new FvError(
        'UNKNOWN_TENSOR',
        `'${name}' is not an attention-probability tensor of the model (${known.length > 0 ? `attention: ${known.join(', ')}` : 'the model has none fv recognizes'})`,
        { tensor: name },
      );
    });
  } else {
    maps = [...found];
  }
  if (maps.length === 0) {
    throw new FvError(
      'UNSUPPORTED_MODEL',
      'The model has no attention fv recognizes (a Softmax over query·key scores of image tokens); attention-rollout and transformer-attribution need a vision transformer (grad-cam works on any model)',
    );
  }
  const windowed = maps.find((m) => m.tokens === null);
  if (windowed) {
    throw new FvError(
      'UNSUPPORTED_MODEL',
      `Attention '${windowed.tensor}' runs within windows (or over tokens merged into the batch), as in Swin: attention rollout is not defined across shifted windows, and neither is transformer attribution. Use grad-cam on a block output instead`,
      { tensor: windowed.tensor },
    );
  }
  const tokens = maps[0]!.tokens!;
  const other = maps.find((m) => !sameTokens(m.tokens!, tokens));
  if (other) {
    throw new FvError(
      'UNSUPPORTED_MODEL',
      `Attention '${other.tensor}' runs over ${other.tokens!.length} tokens, '${maps[0]!.tensor}' over ${tokens.length}: rollout needs one token sequence through every block (a hierarchical transformer cannot be rolled out)`,
    );
  }
  for (const m of maps) {
    if (m.dims[m.queryAxis] !== tokens.length || m.dims[m.keyAxis] !== tokens.length)
      throw new FvError(
        'SHAPE_MISMATCH',
        `Attention '${m.tensor}' of shape [${m.dims.join(', ')}] is not ${tokens.length} × ${tokens.length} tokens`,
      );
  }
  const token =
    options.token ?? (tokens.prefix.includes('class') ? 'class' : ('mean' as AttentionToken));
  if (token !== 'class' && token !== 'distillation' && token !== 'mean') {
    throw new FvError(
      'INVALID_ARGUMENT',
      `token must be 'class', 'distillation' or 'mean', got '${String(token)}'`,
    );
  }
  let row: number | 'mean' = 'mean';
  if (token !== 'mean') {
    row = tokens.prefix.indexOf(token);
    if (row < 0)
      throw new FvError(
        'INVALID_ARGUMENT',
        `The model has no ${token} token (its tokens: ${tokens.prefix.length > 0 ? tokens.prefix.join(', ') : 'patches only'}, then ${tokens.rows}×${tokens.cols} patches); use token 'mean'`,
      );
  }
  return { maps, tokens, row, token };
}

/** Visits every head h and entry (query q, key k) at `q · T + k` of an attention tensor's batch item 0; returns the head count. */
function eachHead(
  map: AttentionMap,
  tensor: Tensor,
  visit: (head: number, index: number, value: number) => void,
): number {
  const dims = tensor.dims;
  const strides: number[] = new Array(dims.length);
  let s = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= dims[i]!;
  }
  const t = dims[map.queryAxis]!;
  // Batch item 0: offset 0 along a leading batch axis, or the first heads of a batch-major
  // [batch · heads, T, T] (all of it: saliency runs on one image).
  const heads = map.headAxis === null ? 1 : dims[map.headAxis]!;
  const hs = map.headAxis === null ? 0 : strides[map.headAxis]!;
  const qs = strides[map.queryAxis]!;
  const ks = strides[map.keyAxis]!;
  for (let h = 0; h < heads; h++)
    for (let q = 0; q < t; q++)
      for (let k = 0; k < t; k++) visit(h, q * t + k, tensor.data[h * hs + q * qs + k * ks]!);
  return heads;
}

/** Attention fused over heads (mean, max or min), T × T, in float64. */
export function fuseHeads(
  map: AttentionMap,
  tensor: Tensor,
  fusion: 'mean' | 'max' | 'min',
): Float64Array {
  const t = tensor.dims[map.queryAxis]!;
  const out = new Float64Array(t * t);
  if (fusion !== 'mean')
    out.fill(fusion === 'max' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
  const heads = eachHead(map, tensor, (_h, i, v) => {
    if (fusion === 'mean') out[i]! += v;
    else if (fusion === 'max') out[i] = Math.max(out[i]!, v);
    else out[i] = Math.min(out[i]!, v);
  });
  if (fusion === 'mean') for (let i = 0; i < out.length; i++) out[i]! /= heads;
  return out;
}

/** v ← v · M for a row vector v and a T × T matrix M (row-major). */
function vectorTimes(v: Float64Array, m: Float64Array, t: number): Float64Array {
  const out = new Float64Array(t);
  for (let q = 0; q < t; q++) {
    const vq = v[q]!;
    if (vq === 0) continue;
    const row = q * t;
    for (let k = 0; k < t; k++) out[k]! += vq * m[row + k]!;
  }
  return out;
}

/**
 * Rows of a product M_L ⋯ M_1 read as e_rᵀ M_L ⋯ M_1 (or the mean of every row): one vector
 * times matrix per block, last block first.
 */
function readRow(matrices: readonly Float64Array[], t: number, row: number | 'mean'): Float64Array {
  let v: Float64Array = new Float64Array(t);
  if (row === 'mean') v.fill(1 / t);
  else v[row] = 1;
  for (let b = matrices.length - 1; b >= 0; b--) v = vectorTimes(v, matrices[b]!, t);
  return v;
}

/** The patch-token entries of a row, as a rows × cols map (extra tokens dropped). */
function patchMap(plan: AttentionPlan, row: Float64Array): Float32Array {
  const { prefix, rows, cols } = plan.tokens;
  const out = new Float32Array(rows * cols);
  for (let p = 0; p < rows * cols; p++) out[p] = row[prefix.length + p]!;
  return out;
}

async function attentionValues(
  ctx: SaliencyContext,
  plan: AttentionPlan,
): Promise<Record<string, Tensor>> {
  throwIfAborted(ctx.signal);
  const names = plan.maps.map((m) => m.tensor);
  const out = await ctx.engine.forward(ctx.input, {
    outputs: names,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  for (const name of names)
    if (!out[name]) throw new FvError('UNKNOWN_TENSOR', `The engine returned no tensor '${name}'`);
  return out;
}

/**
 * Attention rollout (Abnar & Zuidema 2020), as jacobgil/vit-explain computes it: per block the
 * heads fused (mean, max or min), optionally the lowest `discardRatio` of the fused entries set
 * to 0 (never the first, the class token's attention to itself), Â = (A + I) / 2 with rows
 * renormalized, the product Â_L ⋯ Â_1; the explained token's row over the patch tokens.
 */
export async function attentionRollout(
  ctx: SaliencyContext,
  options: AttentionRolloutOptions,
): Promise<CamAttribution & { readonly attention: readonly string[] }> {
  const plan = planAttention(ctx.engine.info, options);
  const fusion = options.headFusion ?? 'mean';
  if (fusion !== 'mean' && fusion !== 'max' && fusion !== 'min')
    throw new FvError(
      'INVALID_ARGUMENT',
      `headFusion must be 'mean', 'max' or 'min', got '${String(fusion)}'`,
    );
  const discard = options.discardRatio ?? 0;
  if (!(typeof discard === 'number' && discard >= 0 && discard < 1))
    throw new FvError('INVALID_ARGUMENT', `discardRatio must be in [0, 1), got ${String(discard)}`);
  ctx.plan(1);
  const values = await attentionValues(ctx, plan);
  await ctx.advance();
  const t = plan.tokens.length;
  const matrices = plan.maps.map((m) => {
    const a = fuseHeads(m, values[m.tensor]!, fusion);
    const drop = Math.floor(t * t * discard);
    if (drop > 0) {
      // The `drop` smallest entries (the lowest index first among equals), index 0 kept.
      const order = Array.from(a.keys()).sort((i, j) => a[i]! - a[j]! || i - j);
      for (let k = 0; k < drop; k++) if (order[k] !== 0) a[order[k]!] = 0;
    }
    for (let q = 0; q < t; q++) {
      let sum = 0;
      for (let k = 0; k < t; k++) {
        const v = (a[q * t + k]! + (q === k ? 1 : 0)) / 2;
        a[q * t + k] = v;
        sum += v;
      }
      for (let k = 0; k < t; k++) a[q * t + k]! /= sum;
    }
    return a;
  });
  const cam = patchMap(plan, readRow(matrices, t, plan.row));
  return {
    ...upsampleCam(ctx, plan.maps.at(-1)!.tensor, cam, plan.tokens),
    attention: plan.maps.map((m) => m.tensor),
  };
}

/**
 * Transformer attribution, the generic gradient-weighted rollout of Chefer, Gur & Wolf (ICCV
 * 2021, their self-attention rule; the CVPR 2021 method with LRP relevance in place of the
 * attention): per block Ā = mean over heads of (∇A ⊙ A)⁺ with ∇A = ∂score/∂A, R ← R + Ā · R from
 * R = I; the explained token's row of R over the patch tokens.
 */
export async function transformerAttribution(
  ctx: SaliencyContext,
  options: TransformerAttributionOptions,
): Promise<CamAttribution & { readonly attention: readonly string[] }> {
  const plan = planAttention(ctx.engine.info, options);
  ctx.plan(1);
  const names = plan.maps.map((m) => m.tensor);
  const { gradients, kept } = await layerGradients(ctx, names);
  await ctx.advance();
  const t = plan.tokens.length;
  const matrices = plan.maps.map((m) => {
    const a = kept[m.tensor]!;
    const g = gradients[m.tensor]!;
    if (g.data.length !== a.data.length)
      throw new FvError('INTERNAL', `The gradient of '${m.tensor}' does not match its shape`);
    const data = new Float32Array(a.data.length);
    for (let i = 0; i < a.data.length; i++) data[i] = Math.max(g.data[i]! * a.data[i]!, 0);
    const product: Tensor = { data, dims: a.dims };
    // I + Ā: R_b = R_{b-1} + Ā_b R_{b-1} = (I + Ā_b) R_{b-1}.
    const m1 = fuseHeads(m, product, 'mean');
    for (let q = 0; q < t; q++) m1[q * t + q]! += 1;
    return m1;
  });
  const cam = patchMap(plan, readRow(matrices, t, plan.row));
  return {
    ...upsampleCam(ctx, plan.maps.at(-1)!.tensor, cam, plan.tokens),
    attention: names,
  };
}

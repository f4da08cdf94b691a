import { positiveInteger } from '../checks.js';
import type { EngineInfo, LayerInfo } from '../engine.js';
import { FvError, throwIfAborted } from '../errors.js';
import { type FeatureMap, featureMap, type ImageLayout } from '../feature-map.js';
import type { Map2D } from '../image/map.js';
import { resamplePlane } from '../image/resize.js';
import { imageDims } from '../image/shape.js';
import type { Tensor } from '../tensor.js';
import { forwardScores, layerGradient, type SaliencyContext, softmax } from './context.js';
import type { CamLayerOptions, ScoreCamOptions } from './types.js';

/** Sizes of a layer seen as channel planes. */
export interface LayerShape {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

/** The layout `inspectModel` reported for a layer, if any. */
export function layoutOf(info: EngineInfo, layer: string): ImageLayout | undefined {
  return info.layers.find((l) => l.name === layer)?.layout;
}

/** A layer's value (batch item 0) as channel planes over its grid, by its reported layout. */
export function layerMap(info: EngineInfo, tensor: Tensor, layer: string): FeatureMap {
  return featureMap(tensor, layer, layoutOf(info, layer));
}

const gridSize = (layer: LayerInfo): number | undefined => {
  const l = layer.layout;
  if (l) return l.channelAxis === null ? undefined : l.rows * l.cols;
  const d = layer.dims;
  if (d?.length !== 4 || typeof d[2] !== 'number' || typeof d[3] !== 'number') return undefined;
  return d[2] * d[3];
};

/**
 * The layer to explain: `name` when it exists; otherwise, for a vision transformer with attention
 * over its image tokens, the input of the last attention block (its LayerNorm, as
 * pytorch-grad-cam's ViT recipe `blocks[-1].norm1`: after the last attention of a class-token
 * model only the extra tokens reach the head, so later patch tokens carry no gradient);
 * otherwise the last differentiable layer whose grid (a feature map, channels first or last —
 * Swin's windowed attention included —, or patch tokens) is larger than 1×1.
 * @throws FvError `UNKNOWN_TENSOR` when `name` is not a layer or no such layer exists.
 */
export function selectLayer(info: EngineInfo, name?: string, needGradient = true): string {
  if (name !== undefined) {
    if (info.layers.some((l) => l.name === name)) return name;
    const spatial = info.layers.filter((l) => gridSize(l) !== undefined).map((l) => l.name);
    const hint =
      spatial.length > 0 ? ` (layers with a grid include: ${spatial.slice(-5).join(', ')})` : '';
    throw new FvError('UNKNOWN_TENSOR', `Layer '${name}' is not in the model${hint}`, {
      layer: name,
    });
  }
  const usable = (l: LayerInfo) => !needGradient || l.differentiable;
  const last = info.attention?.at(-1);
  const tokens = last?.tokens;
  if (last && tokens) {
    // The residual stream: full token sequences with the hidden size (the most common width).
    const end = info.layers.findIndex((l) => l.name === last.tensor);
    const sequences = info.layers
      .slice(0, end < 0 ? info.layers.length : end)
      .filter(
        (l) =>
          l.layout?.kind === 'tokens' &&
          l.layout.channelAxis !== null &&
          l.layout.length === tokens.length &&
          l.layout.prefix.length === tokens.prefix.length,
      );
    const widths = new Map<number | null, number>();
    for (const l of sequences) {
      const c = l.layout!.channels;
      widths.set(c, (widths.get(c) ?? 0) + 1);
    }
    const hidden = [...widths].sort((a, b) => b[1] - a[1])[0]?.[0];
    const stream = sequences.filter((l) => usable(l) && l.layout!.channels === hidden);
    const norm = stream.filter((l) => l.opType === 'LayerNormalization').at(-1);
    const pick = norm ?? stream.at(-1);
    if (pick) return pick.name;
  }
  const withLayouts = info.layers.some((l) => l.layout !== undefined);
  for (let i = info.layers.length - 1; i >= 0; i--) {
    const layer = info.layers[i]!;
    if (withLayouts && !layer.layout) continue;
    const area = gridSize(layer);
    if (area === undefined || area <= 1 || !usable(layer)) continue;
    return layer.name;
  }
  throw new FvError(
    'UNKNOWN_TENSOR',
    'No layer with a spatial grid larger than 1×1 found in the model; pass the layer name explicitly',
  );
}

/** The result of a CAM method at layer resolution and upsampled to the input. */
export interface CamAttribution {
  readonly layer: string;
  readonly cam: Map2D;
  /** The CAM bilinearly upsampled to the input, as a one-channel `[1, 1, H, W]` tensor. */
  readonly upsampled: Tensor;
}

/** A map over a layer's grid (`height` × `width`, row-major) and its bilinear upsampling to the input. */
export function upsampleCam(
  ctx: SaliencyContext,
  layer: string,
  cam: Float32Array,
  grid: { readonly rows: number; readonly cols: number },
): CamAttribution {
  const { width, height } = ctx.shape;
  const up = new Float32Array(width * height);
  resamplePlane({ data: cam, width: grid.cols, height: grid.rows }, { data: up, width, height });
  const dims = imageDims(ctx.config.layout, 1, 1, height, width);
  return {
    layer,
    cam: { data: cam, width: grid.cols, height: grid.rows },
    upsampled: { data: up, dims },
  };
}

function finishCam(
  ctx: SaliencyContext,
  layer: string,
  cam: Float32Array,
  shape: LayerShape,
  relu: boolean,
): CamAttribution {
  if (relu) for (let i = 0; i < cam.length; i++) cam[i] = Math.max(cam[i]!, 0);
  return upsampleCam(ctx, layer, cam, { rows: shape.height, cols: shape.width });
}

/** Grad-CAM or Grad-CAM++ at a layer. */
export async function gradCam(
  ctx: SaliencyContext,
  options: CamLayerOptions,
  variant: 'grad-cam' | 'grad-cam++',
  plan = true,
): Promise<CamAttribution> {
  const layer = selectLayer(ctx.engine.info, options.layer);
  if (plan) ctx.plan(1);
  const { gradient, activation } = await layerGradient(ctx, layer);
  await ctx.advance();
  const info = ctx.engine.info;
  const shape = layerMap(info, activation, layer);
  const area = shape.height * shape.width;
  const g = layerMap(info, gradient, layer).data;
  const a = shape.data;
  const cam = new Float32Array(area);
  for (let k = 0; k < shape.channels; k++) {
    const base = k * area;
    let weight = 0;
    if (variant === 'grad-cam') {
      for (let p = 0; p < area; p++) weight += g[base + p]!;
      weight /= area;
    } else {
      // Grad-CAM++ (Chattopadhay et al. 2018, eq. 19 with the exponential-score trick):
      // α = g² / (2g² + Σ_ab A_ab · g³), w_k = Σ_ij α_ij · relu(g_ij).
      let activationSum = 0;
      for (let p = 0; p < area; p++) activationSum += a[base + p]!;
      for (let p = 0; p < area; p++) {
        const gp = g[base + p]!;
        if (gp === 0) continue;
        const g2 = gp * gp;
        const denominator = 2 * g2 + activationSum * g2 * gp;
        const alpha = denominator !== 0 ? g2 / denominator : 0;
        weight += alpha * Math.max(gp, 0);
      }
    }
    if (weight === 0) continue;
    for (let p = 0; p < area; p++) cam[p]! += weight * a[base + p]!;
  }
  return finishCam(ctx, layer, cam, shape, options.relu ?? true);
}

/** Score-CAM: channel weights from the scores of the input masked by each upsampled channel. */
export async function scoreCam(
  ctx: SaliencyContext,
  options: ScoreCamOptions,
): Promise<CamAttribution> {
  const layer = selectLayer(ctx.engine.info, options.layer, false);
  throwIfAborted(ctx.signal);
  const out = await ctx.engine.forward(ctx.input, {
    outputs: [layer],
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const activation = out[layer];
  if (!activation) throw new FvError('UNKNOWN_TENSOR', `The engine returned no tensor '${layer}'`);
  const shape = layerMap(ctx.engine.info, activation, layer);
  const area = shape.height * shape.width;
  const a = shape.data;
  // Channels by mean activation, highest first; constant channels carry no spatial information.
  const candidates: { channel: number; mean: number; lo: number; hi: number }[] = [];
  for (let k = 0; k < shape.channels; k++) {
    let sum = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let p = 0; p < area; p++) {
      const v = a[k * area + p]!;
      sum += v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    if (hi > lo) candidates.push({ channel: k, mean: sum / area, lo, hi });
  }
  candidates.sort((p, q) => q.mean - p.mean || p.channel - q.channel);
  const limit =
    options.maxChannels !== undefined
      ? positiveInteger(options.maxChannels, 'maxChannels')
      : candidates.length;
  const chosen = candidates.slice(0, limit);
  const { width, height } = ctx.shape;
  const x = ctx.input.data;
  const size = x.length;
  const scores = new Float64Array(chosen.length);
  ctx.plan(Math.ceil(chosen.length / ctx.batchSize) + 1);
  await ctx.advance();
  const channelPlane = new Float32Array(area);
  const mask = new Float32Array(width * height);
  for (let start = 0; start < chosen.length; start += ctx.batchSize) {
    const n = Math.min(ctx.batchSize, chosen.length - start);
    const batch = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      const { channel, lo, hi } = chosen[start + i]!;
      channelPlane.set(a.subarray(channel * area, (channel + 1) * area));
      resamplePlane(
        { data: channelPlane, width: shape.width, height: shape.height },
        { data: mask, width, height },
      );
      let mLo = Number.POSITIVE_INFINITY;
      let mHi = Number.NEGATIVE_INFINITY;
      for (const v of mask) {
        mLo = Math.min(mLo, v);
        mHi = Math.max(mHi, v);
      }
      const range = mHi - mLo || hi - lo;
      for (let j = 0; j < size; j++) {
        // Every channel of pixel p is scaled by mask[p].
        const p =
          ctx.config.layout === 'NCHW' ? j % (width * height) : Math.floor(j / ctx.shape.channels);
        batch[i * size + j] = x[j]! * ((mask[p]! - mLo) / range);
      }
    }
    const s = await forwardScores(ctx, batch, n);
    scores.set(s, start);
    await ctx.advance();
  }
  const weights = softmax(scores);
  const cam = new Float32Array(area);
  chosen.forEach(({ channel }, i) => {
    const w = weights[i]!;
    for (let p = 0; p < area; p++) cam[p]! += w * a[channel * area + p]!;
  });
  return finishCam(ctx, layer, cam, shape, options.relu ?? true);
}

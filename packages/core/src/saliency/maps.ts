import type { Layout } from '../preprocess/config.js';
import { imageShape } from '../preprocess/layout.js';
import type { Map2D } from '../preprocess/map.js';
import type { Tensor } from '../tensor.js';

/** The three saliency maps of an attribution tensor. */
export interface SaliencyMaps {
  readonly absolute: Map2D;
  readonly positive: Map2D;
  readonly negative: Map2D;
}

/**
 * Reduces a per-element attribution (first batch item) to the saliency maps, exactly as defined:
 * c* = argmax over channels of |A| (the first channel on ties), S = A[c*], M = |S| (= max over
 * channels of |A|), M⁺ = max(S, 0), M⁻ = −min(S, 0), so M = M⁺ + M⁻ exactly. For one channel
 * (grayscale) M = |A|.
 */
export function saliencyMaps(attribution: Tensor, layout: Layout): SaliencyMaps {
  const shape = imageShape(attribution.dims, layout);
  const { width, height, channels, channelStride, pixelStride } = shape;
  const size = width * height;
  const absolute = new Float32Array(size);
  const positive = new Float32Array(size);
  const negative = new Float32Array(size);
  const a = attribution.data;
  for (let p = 0; p < size; p++) {
    let signed = a[p * pixelStride]!;
    let best = Math.abs(signed);
    for (let c = 1; c < channels; c++) {
      const value = a[c * channelStride + p * pixelStride]!;
      const magnitude = Math.abs(value);
      if (magnitude > best) {
        best = magnitude;
        signed = value;
      }
    }
    absolute[p] = best;
    positive[p] = Math.max(signed, 0);
    negative[p] = signed < 0 ? -signed : 0;
  }
  return {
    absolute: { data: absolute, width, height },
    positive: { data: positive, width, height },
    negative: { data: negative, width, height },
  };
}

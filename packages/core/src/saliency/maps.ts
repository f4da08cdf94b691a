import type { Map2D } from '../image/map.js';
import { imageShape } from '../image/shape.js';
import type { Layout } from '../preprocess/config.js';
import type { Tensor } from '../tensor.js';

/**
 * Reduces a per-element attribution A (first batch item) to the signed saliency map, exactly as
 * defined: c* = argmax over channels of |A| (the first channel on ties) and S = A[c*], so |S| is
 * the saliency map M = max over channels of |A|, and M⁺ = max(S, 0), M⁻ = −min(S, 0) split it
 * with M = M⁺ + M⁻ (`@fv/viz` draws either part). For one channel (grayscale) S = A.
 */
export function signedMap(attribution: Tensor, layout: Layout): Map2D {
  const { width, height, channels, channelStride, pixelStride } = imageShape(
    attribution.dims,
    layout,
  );
  const size = width * height;
  const data = new Float32Array(size);
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
    data[p] = signed;
  }
  return { data, width, height };
}

import { positiveInteger } from '../checks.js';
import { FvError } from '../errors.js';
import { elementOffset, imageDims } from '../image/shape.js';
import { normalizePixel } from '../preprocess/config.js';
import type { Tensor } from '../tensor.js';
import { forwardScores, type SaliencyContext } from './context.js';
import type { OcclusionOptions } from './types.js';

/**
 * Window start positions along an axis of `size`, as Captum's Occlusion places them: k · stride
 * for k = 0 … ⌈(size − window) / stride⌉, so a last window may run past the edge (it is cut there).
 */
export function windowStarts(size: number, window: number, stride: number): number[] {
  const w = Math.min(window, size);
  const last = Math.ceil((size - w) / stride);
  return Array.from({ length: last + 1 }, (_, k) => k * stride);
}

/**
 * Occlusion: the score drop f(x) − f(x with a window set to the baseline), averaged at each
 * pixel over the windows that cover it (Captum's Occlusion). Forward passes only.
 */
export async function occlusion(ctx: SaliencyContext, options: OcclusionOptions): Promise<Tensor> {
  const { width, height, channels } = ctx.shape;
  const window = positiveInteger(
    options.window ?? Math.ceil(Math.min(width, height) / 8),
    'window',
  );
  const stride = positiveInteger(options.stride ?? Math.ceil(window / 2), 'stride');
  const baseline = options.baseline ?? 'black';
  if (baseline !== 'black' && !(typeof baseline === 'number' && Number.isFinite(baseline))) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Occlusion baseline must be 'black' or a finite number, got '${String(baseline)}'`,
    );
  }
  const fill = Array.from({ length: channels }, (_, c) =>
    baseline === 'black' ? normalizePixel(ctx.config, 0, c) : baseline,
  );
  const wy = Math.min(window, height);
  const wx = Math.min(window, width);
  const positions: [number, number][] = [];
  for (const y of windowStarts(height, window, stride)) {
    for (const x of windowStarts(width, window, stride)) positions.push([y, x]);
  }
  const input = ctx.input.data;
  const size = input.length;
  const sum = new Float64Array(width * height);
  const count = new Uint32Array(width * height);
  ctx.plan(Math.ceil(positions.length / ctx.batchSize));
  for (let start = 0; start < positions.length; start += ctx.batchSize) {
    const n = Math.min(ctx.batchSize, positions.length - start);
    const batch = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      batch.set(input, i * size);
      const [y0, x0] = positions[start + i]!;
      for (let y = y0; y < Math.min(y0 + wy, height); y++) {
        for (let x = x0; x < Math.min(x0 + wx, width); x++) {
          for (let c = 0; c < channels; c++) {
            batch[i * size + elementOffset(ctx.shape, c, y * width + x)] = fill[c]!;
          }
        }
      }
    }
    const scores = await forwardScores(ctx, batch, n);
    for (let i = 0; i < n; i++) {
      const drop = ctx.score - scores[i]!;
      const [y0, x0] = positions[start + i]!;
      for (let y = y0; y < Math.min(y0 + wy, height); y++) {
        for (let x = x0; x < Math.min(x0 + wx, width); x++) {
          sum[y * width + x]! += drop;
          count[y * width + x]! += 1;
        }
      }
    }
    await ctx.advance();
  }
  const data = new Float32Array(width * height);
  for (let p = 0; p < data.length; p++) data[p] = count[p]! > 0 ? sum[p]! / count[p]! : 0;
  return { data, dims: imageDims(ctx.config.layout, 1, 1, height, width) };
}

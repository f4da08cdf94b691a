import { createRng } from '../random.js';
import type { Tensor } from '../tensor.js';
import type { SaliencyContext } from './context.js';

/** The random control: one channel of uniform noise in [0, 1), seeded; no engine calls. */
export function randomAttribution(ctx: SaliencyContext, seed: number): Tensor {
  const { width, height } = ctx.shape;
  const rng = createRng(seed);
  const data = Float32Array.from({ length: width * height }, () => rng.next());
  const dims = ctx.config.layout === 'NCHW' ? [1, 1, height, width] : [1, height, width, 1];
  return { data, dims };
}

import { reshapeTo } from '../shapes/functions.js';
import { reshapeLike } from './reshape-like.js';

/** Y = X with a new shape. dX = dY reshaped back; the shape input gets no gradient. */
export const Reshape = reshapeLike('Reshape', (ctx, x) => {
  const target = ctx.ints('shape') ?? ctx.value(1)?.values;
  return target ? reshapeTo(ctx, x, target, ctx.int('allowzero', 0) === 1) : undefined;
});

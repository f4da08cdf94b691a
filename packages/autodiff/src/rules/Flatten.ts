import { mulDims, normAxis } from '../shapes/dims.js';
import { reshapeLike } from './reshape-like.js';

/** Y = X reshaped to 2-D. dX = dY reshaped back. */
export const Flatten = reshapeLike(
  'Flatten',
  (ctx, x) => {
    const axis = normAxis(ctx.int('axis', 1), x.length);
    return [mulDims(x.slice(0, axis)), mulDims(x.slice(axis))];
  },
  [],
);

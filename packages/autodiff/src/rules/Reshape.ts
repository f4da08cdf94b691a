import { reshapeLike } from './reshape-like.js';

/** Y = X with a new shape. dX = dY reshaped back; the shape input gets no gradient. */
export const Reshape = reshapeLike('Reshape');

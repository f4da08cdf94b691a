import { reshapeLike } from './reshape-like.js';

/** Y = X reshaped to 2-D. dX = dY reshaped back. */
export const Flatten = reshapeLike('Flatten', []);

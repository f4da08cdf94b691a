import { reshapeLike } from './reshape-like.js';

/** Drops size-1 axes. dX = dY reshaped back; the axes input gets no gradient. */
export const Squeeze = reshapeLike('Squeeze');

import { reshapeLike } from './reshape-like.js';

/** Inserts size-1 axes. dX = dY reshaped back; the axes input gets no gradient. */
export const Unsqueeze = reshapeLike('Unsqueeze');

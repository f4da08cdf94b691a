import { normAxis } from '../shapes/dims.js';
import { axesInput, reshapeLike } from './reshape-like.js';

/** Drops size-1 axes. dX = dY reshaped back; the axes input gets no gradient. */
export const Squeeze = reshapeLike('Squeeze', (ctx, x) => {
  const axes = axesInput(ctx)?.map((a) => normAxis(a, x.length));
  if (!axes) return undefined;
  return x.filter((d, i) => (axes.length ? !axes.includes(i) : d !== 1));
});

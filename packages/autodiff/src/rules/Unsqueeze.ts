import type { Dim } from '../shapes/dims.js';
import { normAxis } from '../shapes/dims.js';
import { axesInput, reshapeLike } from './reshape-like.js';

/** Inserts size-1 axes. dX = dY reshaped back; the axes input gets no gradient. */
export const Unsqueeze = reshapeLike('Unsqueeze', (ctx, x) => {
  const axes = axesInput(ctx);
  if (!axes) return undefined;
  const r = x.length + axes.length;
  const out: Dim[] = [...x];
  for (const a of axes.map((v) => normAxis(v, r)).sort((p, q) => p - q)) out.splice(a, 0, 1);
  return out;
});

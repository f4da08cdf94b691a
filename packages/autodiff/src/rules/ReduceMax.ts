import { extremeOf } from './reduce.js';

/**
 * Y = max of X over `axes`. dX = dY where X equals the maximum, shared evenly among ties (as
 * PyTorch's amax; `max(dim)` sends it to one index instead, which differs only at exact ties).
 */
export const ReduceMax = extremeOf('ReduceMax', Math.max);

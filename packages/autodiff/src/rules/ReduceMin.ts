import { extremeOf } from './reduce.js';

/**
 * Y = min of X over `axes`. dX = dY where X equals the minimum, shared evenly among ties (as
 * PyTorch's amin).
 */
export const ReduceMin = extremeOf('ReduceMin', Math.min);

import { ruleSuite, withTuning } from '../helpers/rule-case.js';
import { Conv, StridedDepthwise } from './cases/Conv.js';

ruleSuite('Conv', [...Conv, ...StridedDepthwise]);
// The native backend's tuning: stride-1 input gradients as Convs with flipped weights (see
// convolution.ts); every case must keep its gradient.
ruleSuite('Conv', withTuning([...Conv, ...StridedDepthwise], { precomputeWeights: true }));

import { createRegistry } from '../registry.js';
import type { GradientRule } from '../rule.js';
import { Add } from './Add.js';
import { AveragePool } from './AveragePool.js';
import { BatchNormalization } from './BatchNormalization.js';
import { Cast } from './Cast.js';
import { Clip } from './Clip.js';
import { Concat } from './Concat.js';
import { Conv } from './Conv.js';
import { ConvTranspose } from './ConvTranspose.js';
import { Div } from './Div.js';
import { Dropout } from './Dropout.js';
import { Elu } from './Elu.js';
import { Erf } from './Erf.js';
import { Exp } from './Exp.js';
import { Expand } from './Expand.js';
import { Flatten } from './Flatten.js';
import { Gelu } from './Gelu.js';
import { Gemm } from './Gemm.js';
import { GlobalAveragePool } from './GlobalAveragePool.js';
import { GlobalMaxPool } from './GlobalMaxPool.js';
import { HardSigmoid } from './HardSigmoid.js';
import { HardSwish } from './HardSwish.js';
import { Identity } from './Identity.js';
import { InstanceNormalization } from './InstanceNormalization.js';
import { LayerNormalization } from './LayerNormalization.js';
import { LeakyRelu } from './LeakyRelu.js';
import { LogSoftmax } from './LogSoftmax.js';
import { LRN } from './LRN.js';
import { MatMul } from './MatMul.js';
import { MaxPool } from './MaxPool.js';
import { Mul } from './Mul.js';
import { Neg } from './Neg.js';
import { Pad } from './Pad.js';
import { Pow } from './Pow.js';
import { PRelu } from './PRelu.js';
import { Reciprocal } from './Reciprocal.js';
import { ReduceMean } from './ReduceMean.js';
import { ReduceSum } from './ReduceSum.js';
import { Relu } from './Relu.js';
import { Reshape } from './Reshape.js';
import { Resize } from './Resize.js';
import { Sigmoid } from './Sigmoid.js';
import { Slice } from './Slice.js';
import { Softmax } from './Softmax.js';
import { Split } from './Split.js';
import { Sqrt } from './Sqrt.js';
import { Squeeze } from './Squeeze.js';
import { Sub } from './Sub.js';
import { Tanh } from './Tanh.js';
import { Transpose } from './Transpose.js';
import { Unsqueeze } from './Unsqueeze.js';
import { Upsample } from './Upsample.js';

/** Every gradient rule fv ships, one per ONNX op type. */
export const rules: readonly GradientRule[] = [
  Add,
  AveragePool,
  BatchNormalization,
  Cast,
  Clip,
  Concat,
  Conv,
  ConvTranspose,
  Div,
  Dropout,
  Elu,
  Erf,
  Exp,
  Expand,
  Flatten,
  Gelu,
  Gemm,
  GlobalAveragePool,
  GlobalMaxPool,
  HardSigmoid,
  HardSwish,
  Identity,
  InstanceNormalization,
  LayerNormalization,
  LeakyRelu,
  LogSoftmax,
  LRN,
  MatMul,
  MaxPool,
  Mul,
  Neg,
  Pad,
  Pow,
  PRelu,
  Reciprocal,
  ReduceMean,
  ReduceSum,
  Relu,
  Reshape,
  Resize,
  Sigmoid,
  Slice,
  Softmax,
  Split,
  Sqrt,
  Squeeze,
  Sub,
  Tanh,
  Transpose,
  Unsqueeze,
  Upsample,
];

/** The registry {@link buildGradientModel} uses unless told otherwise. */
export const defaultRegistry = createRegistry(rules);

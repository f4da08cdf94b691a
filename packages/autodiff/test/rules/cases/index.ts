// Every rule's case table, by op type (and the no-gradient paths), for tests that scan them all.
import type { RuleCase } from '../../helpers/rule-case.js';
import { AveragePool, GlobalAveragePool } from './AveragePool.js';
import { BatchNormalization, Clip, Relu, Softmax } from './activation.js';
import { Add, Div, Mul, Sub } from './binary.js';
import { Conv } from './Conv.js';
import { ConvTranspose } from './ConvTranspose.js';
import { LogSoftmax } from './LogSoftmax.js';
import { Gemm, MatMul } from './linear.js';
import { MaxPool } from './MaxPool.js';
import { InstanceNormalization, LayerNormalization, LRN } from './norm.js';
import { Pow } from './Pow.js';
import { GlobalMaxPool } from './pool.js';
import { ReduceMean, ReduceSum } from './reduce.js';
import { Resize, Upsample } from './resize.js';
import { Expand, Pad, Slice, Split } from './shape.js';
import {
  Concat,
  Dropout,
  Flatten,
  Identity,
  noGradient,
  Reshape,
  Squeeze,
  Transpose,
  Unsqueeze,
} from './structure.js';
import {
  Cast,
  Elu,
  Erf,
  Exp,
  Gelu,
  HardSigmoid,
  HardSwish,
  LeakyRelu,
  Neg,
  PRelu,
  Reciprocal,
  Sigmoid,
  Sqrt,
  Tanh,
} from './unary.js';

export const ruleCases: Readonly<Record<string, readonly RuleCase[]>> = {
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
  'no-gradient': noGradient,
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
};

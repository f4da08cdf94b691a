import { createRegistry } from '../registry.js';
import type { GradientRule } from '../rule.js';
import { Add } from './Add.js';
import { AveragePool } from './AveragePool.js';
import { BatchNormalization } from './BatchNormalization.js';
import { Clip } from './Clip.js';
import { Concat } from './Concat.js';
import { Conv } from './Conv.js';
import { Div } from './Div.js';
import { Dropout } from './Dropout.js';
import { Flatten } from './Flatten.js';
import { Gemm } from './Gemm.js';
import { GlobalAveragePool } from './GlobalAveragePool.js';
import { Identity } from './Identity.js';
import { MatMul } from './MatMul.js';
import { MaxPool } from './MaxPool.js';
import { Mul } from './Mul.js';
import { Relu } from './Relu.js';
import { Reshape } from './Reshape.js';
import { Softmax } from './Softmax.js';
import { Squeeze } from './Squeeze.js';
import { Sub } from './Sub.js';
import { Transpose } from './Transpose.js';
import { Unsqueeze } from './Unsqueeze.js';

/** Every gradient rule fv ships, one per ONNX op type. */
export const rules: readonly GradientRule[] = [
  Add,
  AveragePool,
  BatchNormalization,
  Clip,
  Concat,
  Conv,
  Div,
  Dropout,
  Flatten,
  Gemm,
  GlobalAveragePool,
  Identity,
  MatMul,
  MaxPool,
  Mul,
  Relu,
  Reshape,
  Softmax,
  Squeeze,
  Sub,
  Transpose,
  Unsqueeze,
];

/** The registry {@link buildGradientModel} uses unless told otherwise. */
export const defaultRegistry = createRegistry(rules);

import { createRegistry } from '../registry.js';
import type { GradientRule } from '../rule.js';
import { Abs } from './Abs.js';
import { Add } from './Add.js';
import { And } from './And.js';
import { ArgMax } from './ArgMax.js';
import { ArgMin } from './ArgMin.js';
import { AveragePool } from './AveragePool.js';
import { BatchNormalization } from './BatchNormalization.js';
import { BiasGelu } from './BiasGelu.js';
import { Cast } from './Cast.js';
import { Ceil } from './Ceil.js';
import { Clip } from './Clip.js';
import { Concat } from './Concat.js';
import { Constant } from './Constant.js';
import { ConstantOfShape } from './ConstantOfShape.js';
import { Conv } from './Conv.js';
import { ConvInteger } from './ConvInteger.js';
import { ConvTranspose } from './ConvTranspose.js';
import { DequantizeLinear } from './DequantizeLinear.js';
import { Div } from './Div.js';
import { Dropout } from './Dropout.js';
import { DynamicQuantizeLinear } from './DynamicQuantizeLinear.js';
import { Einsum } from './Einsum.js';
import { Elu } from './Elu.js';
import { Equal } from './Equal.js';
import { Erf } from './Erf.js';
import { Exp } from './Exp.js';
import { Expand } from './Expand.js';
import { FastGelu } from './FastGelu.js';
import { Flatten } from './Flatten.js';
import { Floor } from './Floor.js';
import { Gather } from './Gather.js';
import { GatherElements } from './GatherElements.js';
import { GatherND } from './GatherND.js';
import { Gelu } from './Gelu.js';
import { Gemm } from './Gemm.js';
import { GlobalAveragePool } from './GlobalAveragePool.js';
import { GlobalMaxPool } from './GlobalMaxPool.js';
import { Greater } from './Greater.js';
import { GreaterOrEqual } from './GreaterOrEqual.js';
import { HardSigmoid } from './HardSigmoid.js';
import { HardSwish } from './HardSwish.js';
import { Identity } from './Identity.js';
import { InstanceNormalization } from './InstanceNormalization.js';
import { IsInf } from './IsInf.js';
import { IsNaN } from './IsNaN.js';
import { LayerNormalization } from './LayerNormalization.js';
import { LeakyRelu } from './LeakyRelu.js';
import { Less } from './Less.js';
import { LessOrEqual } from './LessOrEqual.js';
import { Log } from './Log.js';
import { LogSoftmax } from './LogSoftmax.js';
import { LRN } from './LRN.js';
import { MatMul } from './MatMul.js';
import { MatMulInteger } from './MatMulInteger.js';
import { Max } from './Max.js';
import { MaxPool } from './MaxPool.js';
import { Mean } from './Mean.js';
import { Min } from './Min.js';
import { Mod } from './Mod.js';
import { Mul } from './Mul.js';
import { Neg } from './Neg.js';
import { NonZero } from './NonZero.js';
import { Not } from './Not.js';
import { Or } from './Or.js';
import { Pad } from './Pad.js';
import { Pow } from './Pow.js';
import { PRelu } from './PRelu.js';
import { QuantizeLinear } from './QuantizeLinear.js';
import { QuickGelu } from './QuickGelu.js';
import { Range } from './Range.js';
import { Reciprocal } from './Reciprocal.js';
import { ReduceL1 } from './ReduceL1.js';
import { ReduceL2 } from './ReduceL2.js';
import { ReduceLogSumExp } from './ReduceLogSumExp.js';
import { ReduceMax } from './ReduceMax.js';
import { ReduceMean } from './ReduceMean.js';
import { ReduceMin } from './ReduceMin.js';
import { ReduceSum } from './ReduceSum.js';
import { ReduceSumSquare } from './ReduceSumSquare.js';
import { Relu } from './Relu.js';
import { Reshape } from './Reshape.js';
import { Resize } from './Resize.js';
import { Round } from './Round.js';
import { ScatterElements } from './ScatterElements.js';
import { ScatterND } from './ScatterND.js';
import { Selu } from './Selu.js';
import { Shape } from './Shape.js';
import { Sigmoid } from './Sigmoid.js';
import { Sign } from './Sign.js';
import { Size } from './Size.js';
import { SkipLayerNormalization } from './SkipLayerNormalization.js';
import { Slice } from './Slice.js';
import { Softmax } from './Softmax.js';
import { Softplus } from './Softplus.js';
import { Softsign } from './Softsign.js';
import { Split } from './Split.js';
import { Sqrt } from './Sqrt.js';
import { Squeeze } from './Squeeze.js';
import { Sub } from './Sub.js';
import { Sum } from './Sum.js';
import { Tanh } from './Tanh.js';
import { Tile } from './Tile.js';
import { Transpose } from './Transpose.js';
import { Unsqueeze } from './Unsqueeze.js';
import { Upsample } from './Upsample.js';
import { Where } from './Where.js';
import { Xor } from './Xor.js';

/**
 * Every op fv knows, one rule per op type: its shape inference and, for ops that carry
 * gradients, its backward pass. Adding an op means adding its file and one line here.
 */
export const rules: readonly GradientRule[] = [
  Abs,
  Add,
  And,
  ArgMax,
  ArgMin,
  AveragePool,
  BatchNormalization,
  BiasGelu,
  Cast,
  Ceil,
  Clip,
  Concat,
  Constant,
  ConstantOfShape,
  Conv,
  ConvInteger,
  ConvTranspose,
  DequantizeLinear,
  Div,
  Dropout,
  DynamicQuantizeLinear,
  Einsum,
  Elu,
  Equal,
  Erf,
  Exp,
  Expand,
  FastGelu,
  Flatten,
  Floor,
  Gather,
  GatherElements,
  GatherND,
  Gelu,
  Gemm,
  GlobalAveragePool,
  GlobalMaxPool,
  Greater,
  GreaterOrEqual,
  HardSigmoid,
  HardSwish,
  Identity,
  InstanceNormalization,
  IsInf,
  IsNaN,
  LayerNormalization,
  LeakyRelu,
  Less,
  LessOrEqual,
  Log,
  LogSoftmax,
  LRN,
  MatMul,
  MatMulInteger,
  Max,
  MaxPool,
  Mean,
  Min,
  Mod,
  Mul,
  Neg,
  NonZero,
  Not,
  Or,
  Pad,
  Pow,
  PRelu,
  QuantizeLinear,
  QuickGelu,
  Range,
  Reciprocal,
  ReduceL1,
  ReduceL2,
  ReduceLogSumExp,
  ReduceMax,
  ReduceMean,
  ReduceMin,
  ReduceSum,
  ReduceSumSquare,
  Relu,
  Reshape,
  Resize,
  Round,
  ScatterElements,
  ScatterND,
  Selu,
  Shape,
  Sigmoid,
  Sign,
  Size,
  SkipLayerNormalization,
  Slice,
  Softmax,
  Softplus,
  Softsign,
  Split,
  Sqrt,
  Squeeze,
  Sub,
  Sum,
  Tanh,
  Tile,
  Transpose,
  Unsqueeze,
  Upsample,
  Where,
  Xor,
];

/** The registry {@link buildGradientModel} uses unless told otherwise. */
export const defaultRegistry = createRegistry(rules);

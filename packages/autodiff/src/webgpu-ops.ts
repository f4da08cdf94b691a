/**
 * ONNX ops (default domain) that onnxruntime-web 1.30's native WebGPU execution provider
 * (`onnxruntime-web/webgpu`) runs, with the lowest opset its kernel is registered from. Gradient
 * rules emit only these ops, so a gradient run never falls back to CPU kernels on WebGPU:
 * `test/rules/registry.test.ts` builds the gradient model of every rule test case and checks each
 * added op against this table at the model's opset.
 *
 * Source: the kernel registrations (`RegisterKernels`) in onnxruntime's
 * `onnxruntime/core/providers/webgpu/webgpu_execution_provider.cc` (plus `tensor/identity.cc`),
 * restricted to what fv needs, and checked in headless Chromium (SwiftShader) with
 * onnxruntime-web 1.30.0: every gradient model of the rule tests, and single-op models for the
 * rest, placed their nodes on `WebGpuExecutionProvider` (verbose log) and matched the wasm
 * provider's results. Caveats found there, which the rules work around:
 * - Cast runs on WebGPU from bool and float types only (not from ArgMax's int64), so rules cast
 *   comparison masks, never indices.
 * - ConvTranspose gives wrong results for group > 1 with one output channel and two or four input
 *   channels per group (the Conv rule runs such cases depthwise and sums).
 * - MaxPool's Indices output fails at run time: MaxPool gradients use masks.
 * Deliberately absent: variadic Sum and Mean, Or, Xor, Sign, LRN, LogSoftmax and MaxUnpool run on
 * the CPU under the WebGPU provider (see PLATFORM.md). Constant nodes are folded into
 * initializers by onnxruntime and need no kernel.
 */
export const WEBGPU_OPS: Readonly<Record<string, number>> = Object.freeze({
  Abs: 6,
  Add: 7,
  And: 7,
  AveragePool: 7,
  BatchNormalization: 7,
  Cast: 6,
  Concat: 1,
  Constant: 1,
  Conv: 1,
  ConvTranspose: 1,
  Div: 7,
  Einsum: 12,
  Equal: 7,
  Erf: 9,
  Exp: 6,
  Expand: 8,
  Flatten: 1,
  Gather: 1,
  GatherElements: 11,
  GatherND: 13,
  Gemm: 7,
  GlobalAveragePool: 1,
  Greater: 7,
  GreaterOrEqual: 12,
  Identity: 1,
  Less: 7,
  LessOrEqual: 12,
  Log: 6,
  MatMul: 1,
  MaxPool: 1,
  Mul: 7,
  Neg: 6,
  Not: 1,
  Pad: 2,
  Pow: 7,
  Reciprocal: 6,
  ReduceMean: 1,
  ReduceMin: 1,
  ReduceSum: 1,
  Relu: 6,
  Reshape: 5,
  ScatterElements: 11,
  ScatterND: 13,
  Shape: 1,
  Sigmoid: 6,
  Slice: 1,
  Softmax: 1,
  Sqrt: 6,
  Squeeze: 1,
  Sub: 7,
  Tanh: 6,
  Transpose: 1,
  Unsqueeze: 1,
  Where: 9,
});

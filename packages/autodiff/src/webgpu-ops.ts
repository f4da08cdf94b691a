/**
 * ONNX ops (default domain) that onnxruntime-web 1.30's native WebGPU execution provider
 * (`onnxruntime-web/webgpu`) has kernels for, with the lowest opset each kernel is registered
 * from. Gradient rules emit only these ops, so a gradient run never falls back to CPU kernels on
 * WebGPU; `test/rules/registry.test.ts` checks every op that every rule test emits against it.
 *
 * Source: the kernel registrations (`RegisterKernels`) in onnxruntime's
 * `onnxruntime/core/providers/webgpu/webgpu_execution_provider.cc` and
 * `core/providers/webgpu/tensor/identity.cc`, restricted to the ops fv's rules use, each checked
 * in headless Chromium with onnxruntime-web 1.30.0 (verbose log `All nodes placed on
 * [WebGpuExecutionProvider]`). Deliberately absent although some have kernels on other
 * providers: variadic Sum and Mean, Or, Xor, Sign, LRN, LogSoftmax and MaxUnpool run on the CPU
 * under the WebGPU provider, and MaxPool's Indices output fails there (see PLATFORM.md).
 * Constant nodes are folded into initializers by onnxruntime and need no kernel.
 */
export const WEBGPU_OPS: Readonly<Record<string, number>> = Object.freeze({
  Abs: 6,
  Add: 7,
  And: 7,
  ArgMax: 1,
  AveragePool: 7,
  BatchNormalization: 7,
  Cast: 6,
  Concat: 1,
  Constant: 1,
  Conv: 1,
  ConvTranspose: 1,
  Div: 7,
  Equal: 7,
  Erf: 9,
  Exp: 6,
  Expand: 8,
  Flatten: 1,
  Gather: 1,
  Gemm: 7,
  GlobalAveragePool: 1,
  GlobalMaxPool: 1,
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
  ReduceSum: 1,
  Relu: 6,
  Reshape: 5,
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

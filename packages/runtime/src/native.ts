// The `dist/native.js` module (Node only, not an export of the package): the native backend,
// onnxruntime-node's CPU execution provider. The worker entry imports it on first use from next to
// itself, through a specifier bundlers do not follow, so browser builds never contain it.
export {
  NATIVE_GRADIENT_TUNING,
  nativeSessionOptions,
  onnxruntimeNode,
} from './worker/onnxruntime-node.js';

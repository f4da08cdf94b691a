// onnxruntime-web in Node (wasm backend), as the tests use it.
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;

export type Feeds = Record<string, { data: Float32Array; dims: readonly number[] }>;

const sessions = new WeakMap<Uint8Array, Promise<ort.InferenceSession>>();

export function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  let s = sessions.get(bytes);
  if (!s) {
    s = ort.InferenceSession.create(bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
    sessions.set(bytes, s);
  }
  return s;
}

export async function run(
  bytes: Uint8Array,
  feeds: Feeds,
  outputs?: string[],
): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const s = await session(bytes);
  const f: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', v.data, v.dims);
  const res = await s.run(f, outputs ?? s.outputNames);
  const out: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
  for (const [k, v] of Object.entries(res)) out[k] = { data: v.data as Float32Array, dims: v.dims };
  return out;
}

type NativeOrt = typeof import('onnxruntime-node');
let native: Promise<NativeOrt> | undefined;

/**
 * `run` on onnxruntime-node's CPU provider (fv's native backend; a root dev dependency), one
 * thread, all graph optimizations (its NCHWc layout and fusions included), as the backend runs it.
 */
export async function runNative(
  bytes: Uint8Array,
  feeds: Feeds,
  outputs?: string[],
): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  native ??= import('onnxruntime-node').then((m) => (m as { default?: NativeOrt }).default ?? m);
  const o = await native;
  const s = await o.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
  });
  try {
    const f: Record<string, InstanceType<NativeOrt['Tensor']>> = {};
    for (const [k, v] of Object.entries(feeds)) f[k] = new o.Tensor('float32', v.data, v.dims);
    const res = await s.run(f, outputs ?? s.outputNames);
    const out: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
    for (const [k, v] of Object.entries(res))
      out[k] = { data: v.data as Float32Array, dims: v.dims };
    return out;
  } finally {
    await s.release();
  }
}

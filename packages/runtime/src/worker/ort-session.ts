// A session of onnxruntime's JavaScript API (onnxruntime-common's `InferenceSession` and `Tensor`,
// which onnxruntime-web and onnxruntime-node both implement) as a backend session.
import { FvError } from '@fv/core';
import type * as OrtModule from 'onnxruntime-web';
import { fromOnnxruntime, toFvError } from '../shared/errors.js';
import type { WireTensor } from '../shared/protocol.js';
import { ownedCopy } from '../shared/transfer.js';
import type { BackendSession } from './backend.js';

/** onnxruntime's JavaScript API, as onnxruntime-web and onnxruntime-node export it. */
export type Ort = Pick<typeof OrtModule, 'InferenceSession' | 'Tensor' | 'env'>;

function toFloat32(data: unknown): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array)
    return Float32Array.from(data, (v) => Number(v));
  if (ArrayBuffer.isView(data)) return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new FvError('INVALID_ARGUMENT', 'Output tensor is not numeric');
}

/** `s` as a backend session: float32 feeds, results that own their buffers, typed errors. */
export function ortSession(ort: Ort, s: OrtModule.InferenceSession): BackendSession {
  return {
    inputShape(name) {
      const meta = s.inputMetadata.find((m) => m.name === name);
      return meta?.isTensor ? meta.shape : undefined;
    },
    async run(feeds, fetches) {
      const ortFeeds: Record<string, OrtModule.Tensor> = {};
      for (const [name, t] of Object.entries(feeds))
        ortFeeds[name] = new ort.Tensor('float32', t.data, t.dims);
      let results: OrtModule.InferenceSession.ReturnType;
      try {
        results = await s.run(ortFeeds, [...fetches]);
      } catch (error) {
        throw fromOnnxruntime(toFvError(error));
      } finally {
        for (const t of Object.values(ortFeeds)) t.dispose();
      }
      const out: Record<string, WireTensor> = {};
      for (const name of fetches) {
        const t = results[name];
        if (!t) throw new FvError('UNKNOWN_TENSOR', `onnxruntime returned no tensor '${name}'`);
        const data = t.location === 'cpu' ? t.data : await t.getData(true);
        out[name] = { data: ownedCopy(toFloat32(data)), dims: [...t.dims] };
      }
      for (const t of Object.values(results)) t.dispose();
      return out;
    },
    release: () => s.release(),
  };
}

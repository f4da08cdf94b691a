// A test-only Engine: @fv/autodiff's gradient models run by onnxruntime-web (wasm) in Node, with
// `info.layers` from `inspectModel` (so Grad-CAM can pick a layer) and batched calls (free batch
// dimension: one gradient model per input shape, cached), for the saliency and dream tests.
import { buildGradientModel, type GradientModel, inspectModel } from '@fv/autodiff';
import {
  type Engine,
  type ForwardOptions,
  FvError,
  type GradientOptions,
  type GradientResult,
  type Objective,
  type Tensor,
  throwIfAborted,
} from '@fv/core';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;

interface Built {
  readonly model: GradientModel;
  readonly session: ort.InferenceSession;
}

export interface OrtTestEngine extends Engine {
  readonly calls: { forward: number; gradient: number; maxBatch: number };
}

/**
 * Creates an Engine for ONNX `bytes`. `imageDims` fixes free spatial input dims for shape
 * inference (its batch entry is ignored: the model's own batch dimension is kept).
 */
export async function createOrtEngine(
  bytes: Uint8Array,
  imageDims?: readonly number[],
): Promise<OrtTestEngine> {
  let inspection = inspectModel(bytes);
  const declared = inspection.inputs[0]!.dims;
  if (imageDims && declared.slice(1).some((d) => typeof d !== 'number')) {
    // Free spatial dims: fix them (keeping the batch dimension) so layers get static shapes.
    inspection = inspectModel(bytes, {
      inputShapes: { [inspection.inputs[0]!.name]: [declared[0] ?? 'N', ...imageDims.slice(1)] },
    });
  }
  const inputName = inspection.inputs[0]!.name;
  const logitsName = inspection.outputs[0]!.name;
  const modelOutputs = new Set(inspection.outputs.map((o) => o.name));
  const plain = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const cache = new Map<string, Promise<Built>>();
  const calls = { forward: 0, gradient: 0, maxBatch: 0 };

  const build = (
    objective: Objective,
    wrt: readonly string[],
    keep: readonly string[],
    relu: GradientOptions['relu'],
    dims: readonly number[],
  ): Promise<Built> => {
    const key = JSON.stringify([objective, wrt, keep, relu, dims]);
    let built = cache.get(key);
    if (!built) {
      built = (async () => {
        const model = buildGradientModel(bytes, {
          objective,
          wrt,
          keep,
          relu: relu ?? 'standard',
          inputShapes: { [inputName]: [...dims] },
        });
        const session = await ort.InferenceSession.create(model.bytes, {
          executionProviders: ['wasm'],
        });
        return { model, session };
      })();
      cache.set(key, built);
    }
    return built;
  };

  const toTensor = (v: ort.Tensor): Tensor => ({
    data: new Float32Array(v.data as Float32Array),
    dims: [...v.dims],
  });

  const runGradient = async (
    input: Tensor,
    objective: Objective,
    options: GradientOptions,
  ): Promise<GradientResult> => {
    const n = input.dims[0]!;
    calls.maxBatch = Math.max(calls.maxBatch, n);
    const wrt = options.wrt ?? [inputName];
    const { model, session } = await build(
      objective,
      wrt,
      options.keep ?? [],
      options.relu,
      input.dims,
    );
    const feeds: Record<string, ort.Tensor> = {
      [inputName]: new ort.Tensor('float32', input.data, input.dims),
    };
    for (const seedName of Object.values(model.seedInputs)) {
      const seed = options.seed;
      const meta = session.inputMetadata[session.inputNames.indexOf(seedName)]!;
      const dims = (meta.isTensor ? meta.shape : []).map((d, i) =>
        typeof d === 'number' && d > 0 ? d : i === 0 ? n : 1,
      );
      if (typeof seed === 'number') {
        const per = dims.reduce((a, b) => a * b, 1) / n;
        const data = new Float32Array(n * per);
        for (let i = 0; i < n; i++) data[i * per + seed] = 1;
        feeds[seedName] = new ort.Tensor('float32', data, dims);
      } else if (seed) {
        feeds[seedName] = new ort.Tensor('float32', seed.data, seed.dims);
      } else {
        throw new FvError('INVALID_ARGUMENT', 'logit objectives need a seed');
      }
    }
    const fetch = [
      model.valueOutput,
      ...Object.values(model.gradientOutputs),
      ...Object.values(model.keptOutputs),
    ];
    const res = await session.run(feeds, fetch);
    const gradients: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(model.gradientOutputs)) gradients[k] = toTensor(res[v]!);
    const kept: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(model.keptOutputs)) kept[k] = toTensor(res[v]!);
    const value = toTensor(res[model.valueOutput]!).data.reduce((a, b) => a + b, 0);
    return { value, gradients, kept };
  };

  return {
    calls,
    info: {
      inputs: inspection.inputs,
      outputs: inspection.outputs,
      layers: inspection.layers,
      attention: inspection.attention,
      backend: 'wasm',
    },
    async forward(input: Tensor, options: ForwardOptions = {}) {
      throwIfAborted(options.signal);
      calls.forward++;
      calls.maxBatch = Math.max(calls.maxBatch, input.dims[0]!);
      const names = options.outputs ?? [logitsName];
      if (names.every((name) => modelOutputs.has(name))) {
        const res = await plain.run(
          { [inputName]: new ort.Tensor('float32', input.data, input.dims) },
          [...names],
        );
        return Object.fromEntries(names.map((name) => [name, toTensor(res[name]!)]));
      }
      // Intermediate tensors: a gradient model that keeps them (the gradient is not used).
      const r = await runGradient(
        input,
        { kind: 'layer', tensor: logitsName, reduce: 'mean' },
        { keep: names },
      );
      return r.kept;
    },
    async gradient(input: Tensor, objective: Objective, options: GradientOptions = {}) {
      throwIfAborted(options.signal);
      calls.gradient++;
      return runGradient(input, objective, options);
    },
    async dispose() {
      for (const b of cache.values()) await (await b).session.release();
      await plain.release();
    },
  };
}

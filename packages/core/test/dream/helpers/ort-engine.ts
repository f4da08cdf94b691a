// A test-only Engine: @fv/autodiff's gradient models run by onnxruntime-web (wasm) in Node.
// One gradient model (and session) per objective kind / kept tensors / relu mode, cached.
import { buildGradientModel, type GradientModel } from '@fv/autodiff';
import type { Engine, GradientOptions, Objective, Tensor, TensorInfo } from '@fv/core';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;

interface Built {
  readonly model: GradientModel;
  readonly session: ort.InferenceSession;
}

function dimsOf(meta: ort.InferenceSession.ValueMetadata): (number | string)[] {
  return meta.isTensor ? [...meta.shape] : [];
}

function stripObjective(objective: Objective): unknown {
  // The seed values are fed at run time; the model depends only on the objective's structure.
  return objective;
}

/** Creates an Engine for ONNX `bytes` (static input shapes). */
export async function createOrtEngine(
  bytes: Uint8Array,
): Promise<Engine & { gradientCalls: number }> {
  const plain = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const info = (
    names: readonly string[],
    meta: readonly ort.InferenceSession.ValueMetadata[],
  ): TensorInfo[] =>
    names.map((name, i) => ({
      name,
      type: 'float32',
      dims: dimsOf(meta[i] as ort.InferenceSession.ValueMetadata),
    }));
  const inputs = info(plain.inputNames, plain.inputMetadata);
  const outputs = info(plain.outputNames, plain.outputMetadata);
  const inputName = inputs[0]?.name as string;
  const cache = new Map<string, Promise<Built>>();

  const build = (
    objective: Objective,
    keep: readonly string[],
    relu: GradientOptions['relu'],
    dims: readonly number[],
  ): Promise<Built> => {
    // Free input dims are fixed per call (gradient rules need static spatial sizes).
    const key = JSON.stringify([stripObjective(objective), keep, relu, dims]);
    let b = cache.get(key);
    if (!b) {
      b = (async () => {
        const model = buildGradientModel(bytes, {
          objective,
          keep,
          relu: relu ?? 'standard',
          inputShapes: { [inputName]: [...dims] },
        });
        const session = await ort.InferenceSession.create(model.bytes, {
          executionProviders: ['wasm'],
          graphOptimizationLevel: 'all',
        });
        return { model, session };
      })();
      cache.set(key, b);
    }
    return b;
  };

  const run = async (input: Tensor, objective: Objective, options: GradientOptions = {}) => {
    const keep = options.keep ?? [];
    const { model, session } = await build(objective, keep, options.relu, input.dims);
    const feeds: Record<string, ort.Tensor> = {
      [inputName]: new ort.Tensor('float32', input.data, input.dims),
    };
    for (const seedName of Object.values(model.seedInputs)) {
      const idx = session.inputNames.indexOf(seedName);
      const meta = session.inputMetadata[idx] as ort.InferenceSession.ValueMetadata;
      const dims = dimsOf(meta) as number[];
      const seed = options.seed;
      if (typeof seed === 'number') {
        const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
        data[seed] = 1;
        feeds[seedName] = new ort.Tensor('float32', data, dims);
      } else if (seed) {
        feeds[seedName] = new ort.Tensor('float32', seed.data, seed.dims);
      } else {
        throw new Error('logit objective needs a seed');
      }
    }
    const fetch = [
      model.valueOutput,
      ...Object.values(model.gradientOutputs),
      ...Object.values(model.keptOutputs),
    ];
    const res = await session.run(feeds, fetch);
    const t = (name: string): Tensor => {
      const v = res[name] as ort.Tensor;
      return { data: new Float32Array(v.data as Float32Array), dims: [...v.dims] };
    };
    const gradients: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(model.gradientOutputs)) gradients[k] = t(v);
    const kept: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(model.keptOutputs)) kept[k] = t(v);
    const value = t(model.valueOutput).data.reduce((a, b) => a + b, 0);
    return { value, gradients, kept };
  };

  const engine = {
    gradientCalls: 0,
    info: { inputs, outputs, layers: [], backend: 'wasm' as const },
    async forward(input: Tensor, options: { outputs?: readonly string[] } = {}) {
      const names = options.outputs ?? outputs.map((o) => o.name);
      const r = await run(
        input,
        { kind: 'layer', tensor: names[0] as string, reduce: 'mean' },
        { keep: names },
      );
      return r.kept;
    },
    async gradient(input: Tensor, objective: Objective, options?: GradientOptions) {
      engine.gradientCalls++;
      return run(input, objective, options);
    },
    async dispose() {
      for (const b of cache.values()) await (await b).session.release();
      await plain.release();
    },
  };
  return engine;
}

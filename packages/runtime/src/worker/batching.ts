// Batches against the model's declared input: checking shapes, splitting a batch into runs of
// batch size 1 for models whose batch axis is fixed at 1, joining the results, and the seed
// tensors of `logit` objectives.
import { FvError, sizeOf, type TensorInfo } from '@fv/core';
import type { WireTensor } from '../shared/protocol.js';

/**
 * Checks `input` against the model input's declared shape. Returns how many runs of batch size 1
 * it needs when the model's batch dimension is fixed at 1 (otherwise 1).
 */
export function checkInput(input: WireTensor, declared: TensorInfo): number {
  const dims = input.dims;
  if (!(input.data instanceof Float32Array)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Input data must be a Float32Array (model input '${declared.name}' is ${declared.type})`,
    );
  }
  if (dims.some((d) => !Number.isInteger(d) || d < 0) || input.data.length !== sizeOf(dims)) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `Input data has ${input.data.length} elements but shape [${dims.join(', ')}] needs ${sizeOf(dims)}`,
    );
  }
  const expected = declared.dims;
  const shown = `[${expected.map((d) => d ?? '?').join(', ')}]`;
  if (expected.length > 0 && expected.length !== dims.length) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `Input '${declared.name}' needs rank ${expected.length} ${shown}, got [${dims.join(', ')}]`,
    );
  }
  let runs = 1;
  expected.forEach((d, i) => {
    if (typeof d !== 'number' || d <= 0 || d === dims[i]) return;
    if (i === 0 && d === 1 && dims[0]! > 1) {
      runs = dims[0]!;
      return;
    }
    throw new FvError(
      'SHAPE_MISMATCH',
      `Input '${declared.name}' needs shape ${shown}, got [${dims.join(', ')}] (axis ${i}: ${d} ≠ ${dims[i]})`,
    );
  });
  return runs;
}

/** Batch item range `index` of `count` equal parts of `t` (a view, no copy). */
export function sliceBatch(t: WireTensor, index: number, count: number): WireTensor {
  const per = t.data.length / count;
  return {
    data: t.data.subarray(index * per, (index + 1) * per),
    dims: [t.dims[0]! / count, ...t.dims.slice(1)],
  };
}

/** The parts stacked along the batch axis (the part itself when there is one). */
export function concatBatch(parts: readonly WireTensor[]): WireTensor {
  if (parts.length === 1) return parts[0]!;
  const first = parts[0]!;
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p.data, offset);
    offset += p.data.length;
  }
  return { data, dims: [parts.length * first.dims[0]!, ...first.dims.slice(1)] };
}

/**
 * The seed fed to `seedName` for run `run` of `runs`: a one-hot class index (per batch item) or
 * the caller's seed tensor (sliced per run when the batch was split).
 */
export function seedTensor(
  seedName: string,
  shape: readonly (number | string)[],
  seed: number | WireTensor | undefined,
  runDims: readonly number[],
  run: number,
  runs: number,
): WireTensor {
  const dims = shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? runDims[0]! : -1));
  if (dims.some((d) => d < 0)) {
    throw new FvError(
      'INTERNAL',
      `Seed input '${seedName}' has no static shape ([${shape.join(', ')}])`,
    );
  }
  if (seed === undefined) {
    throw new FvError(
      'INVALID_ARGUMENT',
      "A 'logit' objective needs options.seed: a class index or a seed tensor",
    );
  }
  if (typeof seed === 'number') {
    const batch = dims[0] ?? 1;
    const per = sizeOf(dims) / batch;
    if (!Number.isInteger(seed) || seed < 0 || seed >= per) {
      throw new FvError(
        'OUT_OF_RANGE',
        `Class index ${seed} is outside [0, ${per - 1}] for seed '${seedName}' [${dims.join(', ')}]`,
      );
    }
    const data = new Float32Array(sizeOf(dims));
    for (let n = 0; n < batch; n++) data[n * per + seed] = 1;
    return { data, dims };
  }
  const t = runs > 1 && seed.dims[0] === runs * runDims[0]! ? sliceBatch(seed, run, runs) : seed;
  if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
    throw new FvError(
      'SHAPE_MISMATCH',
      `Seed tensor has shape [${seed.dims.join(', ')}] but the objective's output is [${dims.join(', ')}]`,
    );
  }
  return t;
}

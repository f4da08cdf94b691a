// `fv classify MODEL IMAGE…`: top-k classes per image; a batch command (`--shard`, `--resume`,
// `--workers`, the JSON Lines index under `--out`: batch/run.ts), whose index lines are the
// predictions.
import { imageToTensor, type ResolvedModelConfig } from '@fv/core';
import { type BatchFlags, batchSettings, openEngine, resumedLine, runBatch } from '../batch/run.js';
import { expandImagePaths, readImage } from '../files.js';
import { labelOf, type ModelFlags, resolveModel } from '../model.js';
import { parseNumber } from '../options.js';
import { elapsed, printJson, println } from '../output.js';
import { progressEnabled } from '../progress.js';

export interface ClassifyOptions extends ModelFlags, BatchFlags {
  readonly top?: string;
  readonly json?: boolean;
  readonly crop?: boolean;
  /** The folder of the index (with `--shard`, `--resume`). */
  readonly out?: string;
}

/** One class of a prediction. */
export interface Prediction {
  readonly index: number;
  readonly label: string;
  readonly probability: number;
  readonly logit: number;
}

function softmax(logits: Float32Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits) max = Math.max(max, v);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp((logits[i] as number) - max);
    sum += out[i] as number;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** The `top` classes of one image's logits, most probable first. */
export function topPredictions(
  logits: Float32Array,
  config: ResolvedModelConfig,
  top: number,
): Prediction[] {
  const probs = softmax(logits);
  const order = Array.from(logits.keys()).sort(
    (a, b) => (probs[b] as number) - (probs[a] as number),
  );
  return order.slice(0, top).map((index) => ({
    index,
    label: labelOf(config, index),
    probability: probs[index] as number,
    logit: logits[index] as number,
  }));
}

export async function classify(
  modelPath: string,
  images: readonly string[],
  options: ClassifyOptions,
): Promise<void> {
  const top = parseNumber(options.top, '--top', { integer: true, min: 1 }) ?? 5;
  const batch = batchSettings(options);
  const model = await resolveModel(modelPath, options);
  const paths = expandImagePaths(images);
  const result = await runBatch({
    name: 'classify',
    images: paths,
    out: options.out ?? 'out/',
    settings: batch,
    progress: progressEnabled(options.json),
    // No files: an image is done when the index has its predictions.
    files: () => [],
    open: openEngine(model),
    run: async ({ engine, config }, path) => {
      const start = performance.now();
      const { tensor } = imageToTensor(
        readImage(path),
        config,
        options.crop ? { fit: 'center-crop' } : {},
      );
      const outputs = await engine.forward(tensor, { outputs: [config.logits] });
      const predictions = topPredictions(outputs[config.logits]!.data, config, top);
      return { image: path, files: {}, ms: elapsed(start), top: predictions };
    },
    finished: (entry) => {
      if (options.json) return;
      println(`${entry.image}:`);
      for (const p of entry.top) {
        println(`  ${(p.probability * 100).toFixed(1).padStart(5)}%  ${p.index}  ${p.label}`);
      }
    },
  });
  const resumed = resumedLine(result);
  if (options.json) printJson(result.entries.map(({ image, ms, top }) => ({ image, ms, top })));
  else if (resumed) println(resumed);
}

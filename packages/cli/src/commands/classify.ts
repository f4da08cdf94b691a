// `fv classify MODEL IMAGE…`: top-k classes per image.
import { imageToTensor, type ResolvedModelConfig } from '@fv/core';
import { expandImagePaths, readImage } from '../files.js';
import { labelOf, type ModelFlags, resolveModel, withSession } from '../model.js';
import { parseNumber } from '../options.js';
import { elapsed, printJson, println } from '../output.js';
import { progressEnabled, startProgress } from '../progress.js';

export interface ClassifyOptions extends ModelFlags {
  readonly top?: string;
  readonly json?: boolean;
  readonly crop?: boolean;
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
  const model = await resolveModel(modelPath, options);
  const paths = expandImagePaths(images);
  await withSession(model, async (session) => {
    const { engine, config } = session;
    const results: { image: string; ms: number; top: Prediction[] }[] = [];
    const bar = startProgress('classify', paths.length, progressEnabled(options.json));
    try {
      for (const [n, path] of paths.entries()) {
        const start = performance.now();
        const { tensor } = imageToTensor(
          readImage(path),
          config,
          options.crop ? { fit: 'center-crop' } : {},
        );
        const outputs = await engine.forward(tensor, { outputs: [config.logits] });
        const predictions = topPredictions(outputs[config.logits]!.data, config, top);
        results.push({ image: path, ms: elapsed(start), top: predictions });
        bar.update(n + 1, path);
        if (!options.json) {
          println(`${path}:`);
          for (const p of predictions) {
            println(`  ${(p.probability * 100).toFixed(1).padStart(5)}%  ${p.index}  ${p.label}`);
          }
        }
      }
    } finally {
      bar.stop();
    }
    if (options.json) printJson(results);
  });
}

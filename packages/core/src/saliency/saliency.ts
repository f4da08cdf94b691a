import type { AbortSignalLike } from '../abort.js';
import type { Engine } from '../engine.js';
import { FvError } from '../errors.js';
import type { ImageLike } from '../image/convert.js';
import { callbackFrames, type LoopRun, startLoop } from '../loop/run.js';
import type { ModelConfig } from '../preprocess/config.js';
import type { Tensor } from '../tensor.js';
import { attentionRollout, transformerAttribution } from './attention.js';
import { gradCam, scoreCam } from './cam.js';
import { createContext, type SaliencyContext } from './context.js';
import {
  type GradientAttribution,
  gradientTimesInput,
  integratedGradients,
  plainGradient,
  smoothGrad,
} from './gradients.js';
import { signedMap } from './maps.js';
import { occlusion } from './occlusion.js';
import { randomAttribution } from './random.js';
import { rise } from './rise.js';
import type {
  GuidedGradCamOptions,
  SaliencyFrame,
  SaliencyMethod,
  SaliencyOptions,
  SaliencyResult,
} from './types.js';

/** Every saliency method, in the order the docs list them (the `method` option's values). */
export const saliencyMethods = Object.keys({
  vanilla: true,
  'gradient-x-input': true,
  smoothgrad: true,
  'integrated-gradients': true,
  'guided-backprop': true,
  deconvnet: true,
  'grad-cam': true,
  'grad-cam++': true,
  'guided-grad-cam': true,
  'score-cam': true,
  occlusion: true,
  rise: true,
  random: true,
  'attention-rollout': true,
  'transformer-attribution': true,
} satisfies Record<SaliencyMethod, true>) as readonly SaliencyMethod[];

/** What crosses to a loop host for a saliency map. */
export interface SaliencyRequest {
  readonly image: ImageLike | Tensor;
  readonly options: SaliencyOptions;
  readonly config?: ModelConfig;
}

/**
 * Computes a saliency map: which input pixels matter for the target class. `image` is an 8-bit
 * `ImageData`-like image (preprocessed with `config`) or an already normalized input tensor of
 * batch 1. Talks to the model only through `engine` (an engine that hosts loops, such as
 * @fv/runtime's, computes the whole map next to the model). Await it for the result; iterate it
 * for progress frames (engine calls done of total).
 *
 * @throws FvError `OUT_OF_RANGE` (target), `UNKNOWN_TENSOR` (layer), `INVALID_IMAGE` (channel
 *   count), `INVALID_ARGUMENT` (samples, steps, window ≤ 0 …), `UNSUPPORTED_MODEL` (a transformer
 *   method on a model without attention over its image tokens), `ABORTED` (signal).
 * @example
 * const result = await saliency(engine, image, { target: 'top', method: 'smoothgrad', samples: 25 }, {
 *   ...presets.tensorflow,
 * });
 * result.map; // the signed map (Map2D) at the model's input size
 */
export function saliency(
  engine: Engine,
  image: ImageLike | Tensor,
  options: SaliencyOptions,
  config?: ModelConfig,
): LoopRun<SaliencyFrame, SaliencyResult> {
  return startLoop(engine, 'saliency', image, options, config, saliencyFrames);
}

/** The saliency loop, in place (the `'saliency'` loop kind). */
export function saliencyFrames(
  engine: Engine,
  request: SaliencyRequest,
  signal: AbortSignalLike | undefined,
): AsyncGenerator<SaliencyFrame, SaliencyResult, undefined> {
  return callbackFrames((emit) =>
    computeSaliency(engine, request.image, request.options, request.config, signal, emit),
  );
}

async function computeSaliency(
  engine: Engine,
  image: ImageLike | Tensor,
  options: SaliencyOptions,
  config: ModelConfig | undefined,
  signal: AbortSignalLike | undefined,
  onFrame: (frame: SaliencyFrame) => Promise<void>,
): Promise<SaliencyResult> {
  const ctx = await createContext(
    engine,
    image,
    options.method === 'rise' ? { ...options, score: options.score ?? 'probability' } : options,
    config,
    signal,
    onFrame,
  );
  const base = {
    method: options.method,
    target: ctx.target,
    score: ctx.score,
    input: ctx.input,
    ...(ctx.crop ? { crop: ctx.crop } : {}),
  };
  const finish = (attribution: Tensor, extra: Partial<SaliencyResult> = {}): SaliencyResult => ({
    ...base,
    map: signedMap(attribution, ctx.config.layout),
    attribution,
    ...extra,
  });
  const fromGradient = (g: GradientAttribution): SaliencyResult =>
    finish(g.attribution, {
      ...(g.gradient ? { gradient: g.gradient } : {}),
      ...(g.completeness ? { completeness: g.completeness } : {}),
    });

  switch (options.method) {
    case 'vanilla': {
      const gradient = await plainGradient(ctx);
      return finish(gradient, { gradient });
    }
    case 'guided-backprop':
    case 'deconvnet': {
      const gradient = await plainGradient(
        ctx,
        options.method === 'guided-backprop' ? 'guided' : 'deconvnet',
      );
      return finish(gradient, { gradient });
    }
    case 'gradient-x-input':
      return fromGradient(await gradientTimesInput(ctx));
    case 'smoothgrad':
      return fromGradient(await smoothGrad(ctx, options));
    case 'integrated-gradients':
      return fromGradient(await integratedGradients(ctx, options));
    case 'grad-cam':
    case 'grad-cam++': {
      const cam = await gradCam(ctx, options, options.method);
      return finish(cam.upsampled, { layer: cam.layer, cam: cam.cam });
    }
    case 'guided-grad-cam':
      return guidedGradCam(ctx, options);
    case 'score-cam': {
      const cam = await scoreCam(ctx, options);
      return finish(cam.upsampled, { layer: cam.layer, cam: cam.cam });
    }
    case 'occlusion':
      return finish(await occlusion(ctx, options));
    case 'rise':
      return finish(await rise(ctx, options));
    case 'random':
      return finish(randomAttribution(ctx, options.seed ?? 0));
    case 'attention-rollout':
    case 'transformer-attribution': {
      const r =
        options.method === 'attention-rollout'
          ? await attentionRollout(ctx, options)
          : await transformerAttribution(ctx, options);
      return finish(r.upsampled, { layer: r.layer, cam: r.cam, attention: r.attention });
    }
    default: {
      const method: never = options;
      throw new FvError(
        'INVALID_ARGUMENT',
        `Unknown method '${String((method as { method: unknown }).method)}' (methods: ${saliencyMethods.join(', ')})`,
      );
    }
  }

  async function guidedGradCam(
    context: SaliencyContext,
    camOptions: GuidedGradCamOptions,
  ): Promise<SaliencyResult> {
    context.plan(2);
    const cam = await gradCam(context, camOptions, 'grad-cam', false);
    const guided = await plainGradient(context, 'guided', false);
    const { channels, channelStride, pixelStride, width, height } = context.shape;
    const a = new Float32Array(guided.data.length);
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < width * height; p++) {
        const j = c * channelStride + p * pixelStride;
        a[j] = guided.data[j]! * cam.upsampled.data[p]!;
      }
    }
    return finish(
      { data: a, dims: [...guided.dims] },
      { gradient: guided, layer: cam.layer, cam: cam.cam },
    );
  }
}

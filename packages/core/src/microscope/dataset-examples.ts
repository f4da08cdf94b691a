// Dataset examples (Olah, Mordvintsev & Schubert, "Feature Visualization", Distill 2017, and
// OpenAI Microscope): stream a set of images through the model once, batch by batch, and keep for
// every unit of the chosen layers the images and positions that excite it most and least.
import type { AbortSignalLike } from '../abort.js';
import { positiveInteger } from '../checks.js';
import type { Engine } from '../engine.js';
import { FvError, throwIfAborted } from '../errors.js';
import { type ImageLike, type ImageToTensorOptions, isTensor } from '../image/convert.js';
import {
  generatorRun,
  type LoopOptions,
  type LoopProgress,
  type LoopRun,
  startLoop,
} from '../loop/run.js';
import type { ModelConfig } from '../preprocess/config.js';
import { defaultBatchSize, type PreparedImage, prepareImage } from '../saliency/context.js';
import type { Tensor } from '../tensor.js';
import {
  createIndexBuilder,
  type DatasetIndex,
  type IndexBuilder,
  type IndexedItem,
  type IndexSettings,
} from './dataset-index.js';
import type { ReceptiveField } from './receptive-field.js';

/** One image of a dataset. */
export interface DatasetImage {
  /**
   * A unique name (a relative path, a URL): examples refer to images by it, and ties between
   * equal activations go to the smaller id, so results do not depend on the order of images.
   */
  readonly id: string;
  /** The pixels, or an input tensor already preprocessed (batch 1). */
  readonly image: ImageLike | Tensor;
}

/**
 * A frame of {@link datasetExamples}, after every batch: `step` images indexed of `totalSteps`
 * (0 when the number of images is not known).
 */
export interface DatasetExamplesFrame extends LoopProgress {
  /** Images indexed so far (= `step`). */
  readonly images: number;
}

/** Options of {@link datasetExamples}. */
export interface DatasetExamplesOptions extends LoopOptions {
  /** Layers whose units to index: NCHW feature maps `[N, C, H, W]` or vectors `[N, C]`. */
  readonly layers: readonly string[];
  /**
   * Receptive field of each layer, for the crops of the position examples: from `@fv/autodiff`'s
   * `receptiveField(model, layer)`.
   */
  readonly receptiveFields: Readonly<Record<string, ReceptiveField>>;
  /** Examples kept per list (top and bottom images, top and bottom positions). @defaultValue 9 */
  readonly topK?: number;
  /** Most bins of each unit's activation histogram. @defaultValue 64 */
  readonly histogramBins?: number;
  /**
   * Images per engine call (and so held in memory at once, with their activations). Only used
   * when the model's batch dimension is free; otherwise 1. @defaultValue about 4 M floats of input
   * and activations per call (`⌊2²² / floats per image⌋`, 1..32)
   */
  readonly batchSize?: number;
  /** Number of images, for the frames' `totalSteps`, when `images` is not an array. */
  readonly total?: number;
  /** Recorded in the index to tell models apart when merging. @defaultValue `''` */
  readonly model?: string;
  /** How an {@link ImageLike} is fitted to the model input. @defaultValue stretch */
  readonly preprocess?: ImageToTensorOptions;
}

/** The arguments of the `'dataset-examples'` loop as they cross to a host. */
export interface DatasetExamplesRequest {
  /** The images: an array crosses to a worker; a stream is read in place, batch by batch. */
  readonly image: readonly DatasetImage[] | Iterable<DatasetImage> | AsyncIterable<DatasetImage>;
  readonly options: Omit<DatasetExamplesOptions, 'signal' | 'frameIntervalMs'>;
  readonly config?: ModelConfig;
}

const staticSize = (dims: readonly (number | string | null)[] | null | undefined) =>
  dims?.slice(1).every((d): d is number => typeof d === 'number' && d > 0)
    ? (dims.slice(1) as number[]).reduce((a, b) => a * b, 1)
    : undefined;

/**
 * Streams `images` through the model once and indexes the chosen layers: per unit (channel), the
 * `topK` images with the highest and lowest mean activation, the `topK` images whose single
 * strongest (weakest) position is highest (lowest) with that position's receptive-field crop, and
 * statistics and a histogram of every activation value. Images are read one batch at a time, so
 * memory stays bounded whatever the dataset size; indexes of disjoint image sets merge with
 * `mergeDatasetIndexes`. A loop: iterate it for a frame per batch, await it for the index. Given
 * an array and an engine that hosts loops (`@fv/runtime`'s), the whole pass runs in its worker;
 * an (async) iterable, which cannot cross, is read here and only the batches travel.
 * @example
 * const fields = { conv2: receptiveField(bytes, 'conv2') }; // @fv/autodiff
 * const run = datasetExamples(engine, images, { layers: ['conv2'], receptiveFields: fields });
 * for await (const frame of run) bar.update(frame.step, frame.totalSteps);
 * const index = await run;
 * index.layers[0].units[7].topPositions; // [{ image, value, y, x, region }, …]
 * @throws FvError `UNKNOWN_TENSOR` for a layer that is not in the model, `INVALID_ARGUMENT` for a
 *   missing receptive field, a repeated image id or a bad option, `ABORTED` when cancelled.
 */
export function datasetExamples(
  engine: Engine,
  images: readonly DatasetImage[] | Iterable<DatasetImage> | AsyncIterable<DatasetImage>,
  options: DatasetExamplesOptions,
  config?: ModelConfig,
): LoopRun<DatasetExamplesFrame, DatasetIndex> {
  if (Array.isArray(images)) {
    return startLoop(engine, 'dataset-examples', images, options, config, datasetExamplesFrames);
  }
  // A stream cannot cross to a worker: it is read here, batch by batch.
  const { signal, frameIntervalMs: _, ...rest } = options;
  return generatorRun(
    (s) =>
      datasetExamplesFrames(
        engine,
        { image: images, options: rest, ...(config ? { config } : {}) },
        s,
      ),
    signal,
  );
}

/** The dataset-examples loop, in place (the `'dataset-examples'` loop kind). */
export async function* datasetExamplesFrames(
  engine: Engine,
  request: DatasetExamplesRequest,
  signal: AbortSignalLike | undefined,
): AsyncGenerator<DatasetExamplesFrame, DatasetIndex, undefined> {
  const { options, image: images } = request;
  const config = request.config ?? {};
  throwIfAborted(signal);
  const layers = [...options.layers];
  if (layers.length === 0) throw new FvError('INVALID_ARGUMENT', 'layers is empty');
  for (const layer of layers) {
    const info = engine.info.layers.find((l) => l.name === layer);
    if (!info) {
      throw new FvError('UNKNOWN_TENSOR', `Layer '${layer}' is not in the model`, { layer });
    }
    if (!options.receptiveFields[layer]) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `No receptive field given for layer '${layer}' (compute it with @fv/autodiff's receptiveField)`,
        { layer },
      );
    }
  }
  const topK = positiveInteger(options.topK ?? 9, 'topK');
  const histogramBins = positiveInteger(options.histogramBins ?? 64, 'histogramBins');
  const total = Array.isArray(images) ? images.length : options.total;
  const preprocess: ImageToTensorOptions = {
    fit: options.preprocess?.fit ?? 'stretch',
    ...(options.preprocess?.cropFraction !== undefined
      ? { cropFraction: options.preprocess.cropFraction }
      : {}),
  };

  const field0 = options.receptiveFields[layers[0]!]!;
  const settings = (shapeOf: (layer: string) => readonly number[]): IndexSettings => ({
    model: options.model ?? '',
    topK,
    histogramBins,
    input: { width: field0.inputWidth, height: field0.inputHeight },
    preprocess,
    layers: layers.map((layer) => {
      const [channels = 1, height = 1, width = 1] = shapeOf(layer);
      return { layer, channels, height, width, receptiveField: options.receptiveFields[layer]! };
    }),
  });

  let builder: IndexBuilder | undefined;
  let batchSize = 1;
  let pending: { item: IndexedItem; input: Tensor }[] = [];
  let done = 0;

  const flush = async () => {
    if (pending.length === 0) return;
    throwIfAborted(signal);
    const first = pending[0]!.input;
    const item = first.data.length;
    const data = new Float32Array(pending.length * item);
    pending.forEach((p, i) => {
      data.set(p.input.data, i * item);
    });
    const out = await engine.forward(
      { data, dims: [pending.length, ...first.dims.slice(1)] },
      { outputs: layers, ...(signal ? { signal } : {}) },
    );
    builder ??= createIndexBuilder(
      settings((layer) => {
        const a = out[layer];
        if (!a || (a.dims.length !== 4 && a.dims.length !== 2)) {
          throw new FvError(
            'SHAPE_MISMATCH',
            `Layer '${layer}' has shape [${a?.dims.join(', ') ?? '?'}]; expected an NCHW feature map [N, C, H, W] or [N, C]`,
            { layer },
          );
        }
        return a.dims.slice(1);
      }),
    );
    builder.addBatch(
      pending.map((p) => p.item),
      out,
    );
    done += pending.length;
    pending = [];
  };
  const frame = (): DatasetExamplesFrame => ({ step: done, totalSteps: total ?? 0, images: done });

  for await (const entry of images) {
    throwIfAborted(signal);
    let prepared: PreparedImage;
    try {
      prepared = prepareImage(engine, entry.image, config, preprocess);
    } catch (error) {
      if (error instanceof FvError) {
        throw new FvError(error.code, `Image '${entry.id}': ${error.message}`, {
          ...error.details,
          image: entry.id,
        });
      }
      throw error;
    }
    const { width, height } = prepared.shape;
    if (done + pending.length === 0) {
      for (const layer of layers) {
        const f = options.receptiveFields[layer]!;
        if (f.inputWidth !== width || f.inputHeight !== height) {
          throw new FvError(
            'INVALID_ARGUMENT',
            `The receptive field of '${layer}' was computed for a ${f.inputWidth}×${f.inputHeight} input, the model input is ${width}×${height}`,
            { layer },
          );
        }
      }
      const info = engine.info.inputs.find((i) => i.name === prepared.config.input);
      const batchable = info !== undefined && typeof info.dims[0] !== 'number';
      const layerSizes = layers.map(
        (layer) => staticSize(engine.info.layers.find((l) => l.name === layer)?.dims) ?? 0,
      );
      const perImage = prepared.shape.itemSize + layerSizes.reduce((a, b) => a + b, 0);
      batchSize = !batchable
        ? 1
        : options.batchSize !== undefined
          ? positiveInteger(options.batchSize, 'batchSize')
          : defaultBatchSize(perImage);
    } else if (width !== field0.inputWidth || height !== field0.inputHeight) {
      throw new FvError(
        'SHAPE_MISMATCH',
        `Image '${entry.id}' gives a ${width}×${height} input, the others ${field0.inputWidth}×${field0.inputHeight}`,
        { image: entry.id },
      );
    }
    const source = isTensor(entry.image) ? { width, height } : entry.image;
    pending.push({
      item: {
        image: { id: entry.id, width: source.width, height: source.height },
        crop: prepared.crop,
      },
      input: prepared.input,
    });
    if (pending.length >= batchSize) {
      await flush();
      yield frame();
    }
  }
  if (pending.length > 0) {
    await flush();
    yield frame();
  }
  // No image at all: an empty index with the layers' static shapes.
  builder ??= createIndexBuilder(
    settings((layer) =>
      (engine.info.layers.find((l) => l.name === layer)?.dims ?? [])
        .slice(1)
        .map((d) => (typeof d === 'number' ? d : 1)),
    ),
  );
  return builder.finish();
}

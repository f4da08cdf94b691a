// The dataset-examples index: per unit of each layer, the images and positions that excite it
// most (and least), its activation statistics and histogram. Plain JSON data; indexes of disjoint
// image sets (shards, or a run resumed in parts) merge into exactly the index of their union.
import { FvError } from '../errors.js';
import type { ImageToTensorOptions } from '../image/convert.js';
import type { CropRegion } from '../image/map.js';
import type { Tensor } from '../tensor.js';
import { createHistogram, type Histogram, type HistogramBuilder } from './histogram.js';
import { type PixelRegion, type ReceptiveField, receptiveRegion } from './receptive-field.js';

/** An image of the dataset: its id and its size in pixels as given (before preprocessing). */
export interface DatasetImageInfo {
  readonly id: string;
  readonly width: number;
  readonly height: number;
}

/** One image's score for a unit. */
export interface ImageExample {
  /** {@link DatasetImageInfo.id} of the image. */
  readonly image: string;
  readonly value: number;
}

/** One image's strongest (or weakest) position for a unit, with its receptive-field crop. */
export interface PositionExample extends ImageExample {
  /** Position in the layer's feature map. */
  readonly y: number;
  readonly x: number;
  /** The position's receptive field in the image's own pixels (clamped to the image). */
  readonly region: PixelRegion;
}

/** What the index knows about one unit (channel) of a layer. */
export interface UnitExamples {
  readonly channel: number;
  /** Activation values seen: images × positions. */
  readonly count: number;
  /** Sum and sum of squares of those values (for the mean and standard deviation). */
  readonly sum: number;
  readonly sumOfSquares: number;
  /** Extremes over every position of every image (0 when no image was seen). */
  readonly min: number;
  readonly max: number;
  /** Histogram of every activation value (all positions of all images). */
  readonly histogram: Histogram;
  /** Images with the highest mean activation over positions, highest first. */
  readonly top: readonly ImageExample[];
  /** Images with the lowest mean activation, lowest first. */
  readonly bottom: readonly ImageExample[];
  /** Images with the highest single position (one per image, its first maximum), highest first. */
  readonly topPositions: readonly PositionExample[];
  /** Images with the lowest single position, lowest first (the most negative pre-activations). */
  readonly bottomPositions: readonly PositionExample[];
}

/** The units of one layer. */
export interface LayerExamples {
  readonly layer: string;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly receptiveField: ReceptiveField;
  readonly units: readonly UnitExamples[];
}

/**
 * Dataset examples of several layers over a set of images, as {@link datasetExamples} returns
 * them; JSON-serializable, and mergeable with {@link mergeDatasetIndexes}.
 */
export interface DatasetIndex {
  readonly format: 'fv-dataset-index';
  readonly version: 1;
  /** Identifies the model (chosen by the caller, for example a file name and hash). */
  readonly model: string;
  /** Examples kept per list. */
  readonly topK: number;
  /** Most bins of each histogram. */
  readonly histogramBins: number;
  /** Model input size the images were resized to. */
  readonly input: { readonly width: number; readonly height: number };
  /** How images were fitted to the input. */
  readonly preprocess: ImageToTensorOptions;
  /** Every image indexed, in the order seen. */
  readonly images: readonly DatasetImageInfo[];
  readonly layers: readonly LayerExamples[];
}

/** True when some value of the layer was negative: its bottom lists are meaningful. */
export function isSignedLayer(layer: LayerExamples): boolean {
  return layer.units.some((u) => u.count > 0 && u.min < 0);
}

type Before = (a: ImageExample, b: ImageExample) => boolean;
const higher: Before = (a, b) => a.value > b.value || (a.value === b.value && a.image < b.image);
const lower: Before = (a, b) => a.value < b.value || (a.value === b.value && a.image < b.image);

/** Whether `candidate` would enter the sorted, bounded `list`. */
function enters(list: readonly ImageExample[], candidate: ImageExample, k: number, before: Before) {
  return list.length < k || before(candidate, list[list.length - 1]!);
}

/** Inserts into a list sorted by `before` and keeps its first `k` entries. */
function offer<T extends ImageExample>(list: T[], item: T, k: number, before: Before): void {
  if (!enters(list, item, k, before)) return;
  let i = list.length;
  while (i > 0 && before(item, list[i - 1]!)) i--;
  list.splice(i, 0, item);
  if (list.length > k) list.pop();
}

interface UnitState {
  count: number;
  sum: number;
  sumOfSquares: number;
  min: number;
  max: number;
  readonly histogram: HistogramBuilder;
  readonly top: ImageExample[];
  readonly bottom: ImageExample[];
  readonly topPositions: PositionExample[];
  readonly bottomPositions: PositionExample[];
}

/** Where a batch item came from: its image and how the image was fitted to the model input. */
export interface IndexedItem {
  readonly image: DatasetImageInfo;
  /** Region of the image resized to the model input; `undefined` when the input was a tensor. */
  readonly crop: CropRegion | undefined;
}

/** Layer geometry an index is built for. */
export interface IndexLayer {
  readonly layer: string;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly receptiveField: ReceptiveField;
}

/** The settings of an index, everything but its contents. */
export type IndexSettings = Omit<DatasetIndex, 'format' | 'version' | 'images' | 'layers'> & {
  readonly layers: readonly IndexLayer[];
};

/** Builds an index from activations (batch by batch) or from other indexes. */
export interface IndexBuilder {
  /** Adds a batch: `activations[layer]` is `[B, C, H, W]` (or `[B, C]`) for the B `items`. */
  addBatch(items: readonly IndexedItem[], activations: Readonly<Record<string, Tensor>>): void;
  /** Adds another index of the same settings and disjoint images. */
  addIndex(index: DatasetIndex): void;
  finish(): DatasetIndex;
}

/** A position's receptive field mapped into the source image's pixels, rounded outwards. */
function sourceRegion(field: ReceptiveField, item: IndexedItem, y: number, x: number): PixelRegion {
  const r = receptiveRegion(field, y, x);
  const crop = item.crop;
  if (!crop) return r;
  const sx = crop.width / field.inputWidth;
  const sy = crop.height / field.inputHeight;
  const x0 = Math.max(0, Math.floor(crop.x + r.x * sx + 1e-9));
  const y0 = Math.max(0, Math.floor(crop.y + r.y * sy + 1e-9));
  const x1 = Math.min(crop.sourceWidth, Math.ceil(crop.x + (r.x + r.width) * sx - 1e-9));
  const y1 = Math.min(crop.sourceHeight, Math.ceil(crop.y + (r.y + r.height) * sy - 1e-9));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

const sameSettings = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function createIndexBuilder(settings: IndexSettings): IndexBuilder {
  const { topK: k } = settings;
  if (!(Number.isInteger(k) && k > 0)) {
    throw new FvError('INVALID_ARGUMENT', `topK must be a positive integer, got ${k}`);
  }
  const images: DatasetImageInfo[] = [];
  const seen = new Set<string>();
  const layers = settings.layers.map((l) => ({
    ...l,
    units: Array.from(
      { length: l.channels },
      (): UnitState => ({
        count: 0,
        sum: 0,
        sumOfSquares: 0,
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
        histogram: createHistogram(settings.histogramBins),
        top: [],
        bottom: [],
        topPositions: [],
        bottomPositions: [],
      }),
    ),
  }));

  const addImage = (image: DatasetImageInfo) => {
    if (seen.has(image.id)) {
      throw new FvError('INVALID_ARGUMENT', `Image '${image.id}' is indexed twice`, {
        image: image.id,
      });
    }
    seen.add(image.id);
    images.push(image);
  };

  return {
    addBatch(items, activations) {
      for (const item of items) addImage(item.image);
      const n = items.length;
      for (const layer of layers) {
        const a = activations[layer.layer];
        const { channels: c, height: h, width: w } = layer;
        const expected = a?.dims.length === 2 ? [n, c] : [n, c, h, w];
        if (!a || a.dims.length !== expected.length || a.dims.some((d, i) => d !== expected[i])) {
          throw new FvError(
            'SHAPE_MISMATCH',
            `Layer '${layer.layer}' came back as [${a?.dims.join(', ') ?? 'nothing'}], expected [${[n, c, h, w].join(', ')}]`,
            { layer: layer.layer },
          );
        }
        const plane = h * w;
        const stats = new Float64Array(n * 4);
        const where = new Int32Array(n * 2);
        for (let ch = 0; ch < c; ch++) {
          const unit = layer.units[ch]!;
          let lo = Number.POSITIVE_INFINITY;
          let hi = Number.NEGATIVE_INFINITY;
          for (let b = 0; b < n; b++) {
            const base = (b * c + ch) * plane;
            let sum = 0;
            let sumOfSquares = 0;
            let min = Number.POSITIVE_INFINITY;
            let max = Number.NEGATIVE_INFINITY;
            let argmin = 0;
            let argmax = 0;
            for (let p = 0; p < plane; p++) {
              const v = a.data[base + p]!;
              sum += v;
              sumOfSquares += v * v;
              if (v > max) {
                max = v;
                argmax = p;
              }
              if (v < min) {
                min = v;
                argmin = p;
              }
            }
            stats[b * 4] = sum;
            stats[b * 4 + 1] = sumOfSquares;
            stats[b * 4 + 2] = min;
            stats[b * 4 + 3] = max;
            where[b * 2] = argmin;
            where[b * 2 + 1] = argmax;
            lo = Math.min(lo, min);
            hi = Math.max(hi, max);
          }
          unit.histogram.extend(lo, hi);
          for (let b = 0; b < n; b++) {
            const item = items[b]!;
            const id = item.image.id;
            const base = (b * c + ch) * plane;
            unit.histogram.add(a.data, base, base + plane);
            unit.count += plane;
            unit.sum += stats[b * 4]!;
            unit.sumOfSquares += stats[b * 4 + 1]!;
            const min = stats[b * 4 + 2]!;
            const max = stats[b * 4 + 3]!;
            unit.min = Math.min(unit.min, min);
            unit.max = Math.max(unit.max, max);
            const mean = { image: id, value: stats[b * 4]! / plane };
            offer(unit.top, mean, k, higher);
            offer(unit.bottom, mean, k, lower);
            const position = (value: number, p: number): PositionExample => {
              const y = Math.floor(p / w);
              const x = p % w;
              const region = sourceRegion(layer.receptiveField, item, y, x);
              return { image: id, value, y, x, region };
            };
            if (enters(unit.topPositions, { image: id, value: max }, k, higher)) {
              offer(unit.topPositions, position(max, where[b * 2 + 1]!), k, higher);
            }
            if (enters(unit.bottomPositions, { image: id, value: min }, k, lower)) {
              offer(unit.bottomPositions, position(min, where[b * 2]!), k, lower);
            }
          }
        }
      }
    },

    addIndex(index) {
      if (index.format !== 'fv-dataset-index' || index.version !== 1) {
        throw new FvError(
          'INVALID_ARGUMENT',
          `Not an fv dataset index (format '${String(index.format)}', version ${String(index.version)})`,
        );
      }
      const mine = { ...settings, layers: settings.layers.map((l) => l.layer) };
      const theirs = {
        model: index.model,
        topK: index.topK,
        histogramBins: index.histogramBins,
        input: index.input,
        preprocess: index.preprocess,
        layers: index.layers.map((l) => l.layer),
      };
      for (const key of Object.keys(theirs) as (keyof typeof theirs)[]) {
        if (!sameSettings(mine[key], theirs[key])) {
          throw new FvError(
            'INVALID_ARGUMENT',
            `Dataset indexes differ in ${key} (${JSON.stringify(mine[key])} vs ${JSON.stringify(theirs[key])}); only indexes of one model and the same settings merge`,
            { key },
          );
        }
      }
      for (const image of index.images) addImage(image);
      index.layers.forEach((l, i) => {
        const layer = layers[i]!;
        if (l.channels !== layer.channels || l.height !== layer.height || l.width !== layer.width) {
          throw new FvError(
            'SHAPE_MISMATCH',
            `Layer '${l.layer}' is ${l.channels}×${l.height}×${l.width} in one index and ${layer.channels}×${layer.height}×${layer.width} in the other`,
          );
        }
        l.units.forEach((u, ch) => {
          const unit = layer.units[ch]!;
          if (u.count === 0) return;
          unit.count += u.count;
          unit.sum += u.sum;
          unit.sumOfSquares += u.sumOfSquares;
          unit.min = Math.min(unit.min, u.min);
          unit.max = Math.max(unit.max, u.max);
          unit.histogram.addHistogram(u.histogram, u.min, u.max);
          for (const e of u.top) offer(unit.top, e, k, higher);
          for (const e of u.bottom) offer(unit.bottom, e, k, lower);
          for (const e of u.topPositions) offer(unit.topPositions, e, k, higher);
          for (const e of u.bottomPositions) offer(unit.bottomPositions, e, k, lower);
        });
      });
    },

    finish() {
      return {
        format: 'fv-dataset-index',
        version: 1,
        model: settings.model,
        topK: settings.topK,
        histogramBins: settings.histogramBins,
        input: settings.input,
        preprocess: settings.preprocess,
        images: [...images],
        layers: layers.map((l) => ({
          layer: l.layer,
          channels: l.channels,
          height: l.height,
          width: l.width,
          receptiveField: l.receptiveField,
          units: l.units.map((u, channel) => ({
            channel,
            count: u.count,
            sum: u.sum,
            sumOfSquares: u.sumOfSquares,
            min: u.count > 0 ? u.min : 0,
            max: u.count > 0 ? u.max : 0,
            histogram: u.histogram.finish(),
            top: [...u.top],
            bottom: [...u.bottom],
            topPositions: [...u.topPositions],
            bottomPositions: [...u.bottomPositions],
          })),
        })),
      };
    },
  };
}

/**
 * Merges indexes of disjoint image sets (shards of one dataset, or the parts of a resumed run)
 * into the index of their union: the same lists, statistics and histograms as one run over all
 * images gives (sums up to float rounding).
 * @throws FvError `INVALID_ARGUMENT` when the indexes come from different models or settings, or
 *   share an image id; `SHAPE_MISMATCH` when a layer's shape differs.
 */
export function mergeDatasetIndexes(indexes: readonly DatasetIndex[]): DatasetIndex {
  const first = indexes[0];
  if (!first) throw new FvError('INVALID_ARGUMENT', 'mergeDatasetIndexes needs at least one index');
  const builder = createIndexBuilder({
    model: first.model,
    topK: first.topK,
    histogramBins: first.histogramBins,
    input: first.input,
    preprocess: first.preprocess,
    layers: first.layers.map(({ units: _, ...layer }) => layer),
  });
  for (const index of indexes) builder.addIndex(index);
  return builder.finish();
}

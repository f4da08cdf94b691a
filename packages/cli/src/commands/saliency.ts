// `fv saliency MODEL IMAGE…`: the seed's grid (image, absolute, positive, negative) and/or single
// maps per image, with `--save-npy` for the raw attribution; a batch command (`--shard`,
// `--resume`, `--workers`, the JSON Lines index: batch/run.ts).

import { dirname } from 'node:path';
import { FvError, type RgbaImage, type SaliencyResult, saliency, tensorToImage } from '@fv/core';
import {
  type Colormap,
  colormapNames,
  isColormapName,
  type NormalizeOptions,
  resizeImage,
  type VisualizationMethod,
} from '@fv/viz';
import { type BatchFlags, batchSettings, openEngine, resumedLine, runBatch } from '../batch/run.js';
import type { EngineFlags } from '../engine.js';
import { expandImagePaths, readImage, stem, writeFileAtomic } from '../files.js';
import { type MethodFlags, methodOptions, parseMethod } from '../methods.js';
import { checkLayer, labelOf, type ModelFlags, parseTarget, resolveModel } from '../model.js';
import { COUNT, parseNumber } from '../options.js';
import { elapsed, outputBase, printJson, println } from '../output.js';
import { PictureThread } from '../picture-thread.js';
import { progressEnabled } from '../progress.js';
import { type PictureKind, type SaliencyFilesTask, saliencyFileBytes } from './saliency-files.js';

/** Pictures `--maps` can ask for. */
export const MAP_KINDS = ['grid', 'absolute', 'positive', 'negative', 'all'] as const;
type MapKind = (typeof MAP_KINDS)[number];

const STYLES: readonly VisualizationMethod[] = [
  'heat-map',
  'blended-heat-map',
  'overlay',
  'masked-image',
  'alpha-scaling',
];

export interface SaliencyCliOptions extends ModelFlags, EngineFlags, MethodFlags, BatchFlags {
  readonly target?: string;
  readonly method?: string;
  readonly out?: string;
  readonly maps?: string;
  readonly colormap?: string;
  readonly normalize?: string;
  readonly style?: string;
  readonly saveNpy?: boolean;
  readonly minDisplay?: string;
  readonly json?: boolean;
}

/** `--normalize outlier|percentile|min-max|abs-max[:PARAM]` as viz's option. */
export function parseNormalize(text: string | undefined): NormalizeOptions['normalize'] {
  if (text === undefined) return undefined;
  const [mode, param] = text.split(':');
  const p = param === undefined ? undefined : parseNumber(param, '--normalize parameter');
  switch (mode) {
    case 'outlier':
      return p === undefined ? { mode } : { mode, outlierPerc: p };
    case 'percentile':
      return p === undefined ? { mode } : { mode, percentile: p };
    case 'min-max':
    case 'abs-max':
      return { mode };
    default:
      throw new FvError(
        'INVALID_ARGUMENT',
        `Unknown --normalize '${text}' (outlier[:PERC], percentile[:P], min-max, abs-max)`,
      );
  }
}

/** `--colormap NAME` checked against viz's built-in colormaps. */
export function parseColormap(text: string | undefined): Colormap | undefined {
  if (text === undefined) return undefined;
  if (!isColormapName(text)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Unknown colormap '${text}' (colormaps: ${colormapNames.join(', ')})`,
    );
  }
  return text;
}

/** Nearest-neighbour upscale so that small model inputs stay readable. */
export function enlarge(image: RgbaImage, minSide: number): RgbaImage {
  const k = Math.max(1, Math.ceil(minSide / Math.max(image.width, image.height)));
  return k === 1 ? image : resizeImage(image, image.width * k, image.height * k);
}

export async function saliencyCommand(
  modelPath: string,
  images: readonly string[],
  o: SaliencyCliOptions,
): Promise<void> {
  const method = parseMethod(o.method ?? 'vanilla');
  const maps = (o.maps === 'none' ? '' : (o.maps ?? 'grid'))
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean) as MapKind[];
  if (maps.length === 0 && !o.saveNpy) {
    throw new FvError('INVALID_ARGUMENT', '--maps none writes nothing without --save-npy');
  }
  for (const m of maps) {
    if (!MAP_KINDS.includes(m)) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Unknown map '${m}' in --maps (maps: ${MAP_KINDS.join(', ')})`,
      );
    }
  }
  const style = (o.style ?? 'heat-map') as VisualizationMethod;
  if (!STYLES.includes(style)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `Unknown --style '${style}' (styles: ${STYLES.join(', ')})`,
    );
  }
  const normalize = parseNormalize(o.normalize);
  const colormap = parseColormap(o.colormap);
  const minDisplay = parseNumber(o.minDisplay, '--min-display', COUNT) ?? 224;
  const out = o.out ?? 'out/';
  const batch = batchSettings(o);
  const model = await resolveModel(modelPath, o);
  const target = parseTarget(model, o.target);
  if (o.layer) checkLayer(model, o.layer);
  const options = methodOptions(method, target, o);
  const paths = expandImagePaths(images);
  const bases = new Map(
    paths.map((p) => [p, outputBase(out, paths.length, stem(p), `.${method}`)] as const),
  );
  const fileOf = (base: string, kind: MapKind | 'attribution' | 'maps'): string =>
    kind === 'grid'
      ? `${base}.png`
      : kind === 'attribution'
        ? `${base}.npy`
        : kind === 'maps'
          ? `${base}.maps.npy`
          : `${base}.${kind}.png`;
  const kinds: (MapKind | 'attribution' | 'maps')[] = [
    ...maps,
    ...(o.saveNpy ? (['attribution', 'maps'] as const) : []),
  ];
  const result = await runBatch({
    name: 'saliency',
    images: paths,
    out: dirname(bases.get(paths[0]!)!),
    settings: batch,
    progress: progressEnabled(o.json),
    files: (image) => kinds.map((kind) => fileOf(bases.get(image)!, kind)),
    open: async (n, count) => {
      const engine = await openEngine(model)(n, count);
      const pictures = count > 1 ? new PictureThread() : undefined;
      return {
        ...engine,
        pictures,
        dispose: () => Promise.all([engine.dispose(), pictures?.dispose()]).then(() => undefined),
      };
    },
    run: async ({ engine, config, pictures }, path, inner) => {
      const start = performance.now();
      const run = saliency(engine, readImage(path), options, config);
      for await (const frame of run) {
        inner.setTotal(frame.totalSteps);
        inner.update(frame.step);
      }
      const result: SaliencyResult = await run;
      const base = bases.get(path)!;
      const task: SaliencyFilesTask = {
        image: enlarge(tensorToImage(result.input, config), minDisplay),
        map: result.map,
        ...(o.saveNpy
          ? { attribution: { data: result.attribution.data, dims: result.attribution.dims } }
          : {}),
        pictures: maps as PictureKind[],
        style,
        ...(normalize ? { normalize } : {}),
        ...(colormap ? { colormap } : {}),
      };
      // With several engines, each draws in its own picture thread (the CLI's thread would
      // otherwise bound the batch); the files are written here, atomically.
      const bytes = pictures ? await pictures.run(task) : saliencyFileBytes(task);
      const files: Record<string, string> = {};
      for (const [kind, data] of Object.entries(bytes)) {
        files[kind] = fileOf(base, kind as PictureKind | 'attribution' | 'maps');
        writeFileAtomic(files[kind], data);
      }
      return {
        image: path,
        method,
        target: result.target,
        label: labelOf(config, result.target),
        score: result.score,
        ...(result.layer ? { layer: result.layer } : {}),
        ...(result.completeness ? { completeness: result.completeness } : {}),
        files,
        ms: elapsed(start),
      };
    },
    finished: (entry) => {
      if (o.json) return;
      println(
        `${entry.image}: ${method} for ${entry.target} (${entry.label}, score ${entry.score.toFixed(3)}) in ${entry.ms} ms → ${Object.values(entry.files).join(', ')}`,
      );
    },
  });
  const resumed = resumedLine(result);
  if (o.json) printJson(result.entries);
  else if (resumed) println(resumed);
}

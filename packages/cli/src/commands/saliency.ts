// `fv saliency MODEL IMAGE…`: the seed's grid (image, absolute, positive, negative) and/or single
// maps per image, with `--save-npy` for the raw attribution.
import { FvError, type RgbaImage, type SaliencyResult, saliency, tensorToImage } from '@fv/core';
import {
  type AttributionSign,
  attributionGrid,
  type Colormap,
  colormapNames,
  encodePng,
  isColormapName,
  type NormalizeOptions,
  resizeImage,
  signPart,
  type VisualizationMethod,
  visualizeAttribution,
} from '@fv/viz';
import { expandImagePaths, readImage, stem, writeFileAtomic } from '../files.js';
import { type MethodFlags, methodOptions, parseMethod } from '../methods.js';
import {
  checkLayer,
  labelOf,
  type ModelFlags,
  parseTarget,
  resolveModel,
  withSession,
} from '../model.js';
import { writeNpy } from '../npy.js';
import { COUNT, parseNumber } from '../options.js';
import { elapsed, outputBase, printJson, println } from '../output.js';
import { progressEnabled, startProgress } from '../progress.js';

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

export interface SaliencyCliOptions extends ModelFlags, MethodFlags {
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
  const model = await resolveModel(modelPath, o);
  const target = parseTarget(model, o.target);
  if (o.layer) checkLayer(model, o.layer);
  const options = methodOptions(method, target, o);
  const paths = expandImagePaths(images);
  const bases = paths.map((p) => outputBase(out, paths.length, stem(p), `.${method}`));
  await withSession(model, async (session) => {
    const { engine, config } = session;
    const enabled = progressEnabled(o.json);
    const bar = startProgress('saliency', paths.length, enabled && paths.length > 1);
    const results: Record<string, unknown>[] = [];
    try {
      for (const [n, path] of paths.entries()) {
        const start = performance.now();
        const inner = startProgress(`  ${method}`, 1, enabled && paths.length === 1);
        const run = saliency(engine, readImage(path), options, config);
        let result: SaliencyResult;
        try {
          for await (const frame of run) {
            inner.setTotal(frame.totalSteps);
            inner.update(frame.step);
          }
          result = await run;
        } finally {
          inner.stop();
        }
        const ms = elapsed(start);
        const base = bases[n]!;
        const image = enlarge(tensorToImage(result.input, config), minDisplay);
        const signed = result.map;
        const files: Record<string, string> = {};
        const drawing = {
          method: style,
          ...(normalize ? { normalize } : {}),
        };
        for (const kind of maps) {
          let picture: RgbaImage;
          if (kind === 'grid') {
            const signs: AttributionSign[] = ['absolute', 'positive', 'negative'];
            picture = attributionGrid(image, signed, {
              ...drawing,
              signs,
              ...(colormap
                ? { colormaps: { absolute: colormap, positive: colormap, negative: colormap } }
                : {}),
            });
          } else {
            picture = visualizeAttribution(signed, image, {
              ...drawing,
              sign: kind,
              ...(colormap ? { colormap } : {}),
            });
          }
          const file = kind === 'grid' ? `${base}.png` : `${base}.${kind}.png`;
          writeFileAtomic(file, encodePng(picture));
          files[kind] = file;
        }
        if (o.saveNpy) {
          const a = result.attribution;
          files.attribution = `${base}.npy`;
          writeFileAtomic(files.attribution, writeNpy({ data: a.data, shape: a.dims }));
          const { width, height } = signed;
          const stack = new Float32Array(3 * width * height);
          stack.set(signPart(signed, 'absolute').data, 0);
          stack.set(signPart(signed, 'positive').data, width * height);
          stack.set(signPart(signed, 'negative').data, 2 * width * height);
          files.maps = `${base}.maps.npy`;
          writeFileAtomic(files.maps, writeNpy({ data: stack, shape: [3, height, width] }));
        }
        const entry = {
          image: path,
          method,
          target: result.target,
          label: labelOf(config, result.target),
          score: result.score,
          ...(result.layer ? { layer: result.layer } : {}),
          ...(result.completeness ? { completeness: result.completeness } : {}),
          files,
          ms,
        };
        results.push(entry);
        bar.update(n + 1, path);
        if (!o.json) {
          println(
            `${path}: ${method} for ${result.target} (${entry.label}, score ${result.score.toFixed(3)}) in ${ms} ms → ${Object.values(files).join(', ')}`,
          );
        }
      }
    } finally {
      bar.stop();
    }
    if (o.json) printJson(results);
  });
}

// `fv microscope MODEL --images DIR --layers L1,L2 --out site/`: an OpenAI-Microscope-style static
// site for any ONNX classifier. Three passes, each resumable: (1) the dataset pass indexes every
// image once (core's datasetExamples; data/index.json is rewritten after every chunk, so a rerun
// indexes only the images it lacks), (2) every unit's pictures (feature visualizations of the
// channel and of its centre neuron, strips of dataset crops; files that exist are kept), (3) one
// semantic dictionary per image (cached in data/images/), then every page is written from the
// data. `--index-only` stops after (1), `--shard K/N` indexes only this job's part of the images
// (as the batch commands split a dataset) into data/index.K-of-N.json and stops, and `--index`
// builds the site from indexes computed elsewhere (shards of a dataset, merged).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, relative as relativePath } from 'node:path';
import { receptiveField } from '@fv/autodiff';
import {
  type DatasetImage,
  type DatasetIndex,
  datasetExamples,
  FvError,
  imageToTensor,
  isSignedLayer,
  mergeDatasetIndexes,
  type PixelRegion,
  type ReceptiveField,
  type ResolvedModelConfig,
  type RgbaImage,
  rgbToImages,
  semanticDictionary,
  type UnitObjective,
  unitVisualization,
} from '@fv/core';
import type { RuntimeEngine } from '@fv/runtime';
import { createImage, encodePng, pasteImage, resizeImage } from '@fv/viz';
import { parseShard, selectShard, shardName } from '../batch/shard.js';
import { expandImagePaths, isDirectory, readImage, writeFileAtomic } from '../files.js';
import {
  type ImageSummary,
  imagePage,
  layerPage,
  layerSlugs,
  overviewPage,
  type SiteImage,
  type SiteInfo,
  STYLESHEET,
  sitePaths,
  unitColor,
  unitPage,
} from '../microscope/site.js';
import {
  checkLayer,
  labelOf,
  type ModelFlags,
  openSession,
  resolveModel,
  type Session,
} from '../model.js';
import { parseNumber } from '../options.js';
import { elapsed, printJson, println } from '../output.js';
import { progressEnabled, startProgress } from '../progress.js';
import { topPredictions } from './classify.js';
import { parseChannels } from './dream.js';

export interface MicroscopeOptions extends ModelFlags {
  readonly images?: readonly string[];
  readonly layers?: string;
  readonly out?: string;
  readonly channels?: string;
  readonly topK?: string;
  readonly crops?: string;
  readonly cropSize?: string;
  readonly imageSize?: string;
  readonly vizSize?: string;
  readonly vizSteps?: string;
  readonly vizBatch?: string;
  readonly neuron?: boolean;
  readonly seed?: string;
  readonly batchSize?: string;
  readonly histogramBins?: string;
  readonly crop?: boolean;
  readonly index?: readonly string[];
  readonly indexOnly?: boolean;
  readonly shard?: string;
  readonly fresh?: boolean;
  readonly json?: boolean;
}

/** Settings that decide the site's pictures: a resumed build must use the same. */
interface SiteSettings {
  readonly model: string;
  readonly layers: readonly string[];
  readonly topK: number;
  readonly crops: number;
  readonly cropSize: number;
  readonly imageSize: number;
  readonly vizSize: number;
  readonly vizSteps: number;
  readonly neuron: boolean;
  readonly seed: number;
}

/** A stable file-name-safe name for an image id: sanitized, plus a short hash against clashes. */
function imageSlug(id: string): string {
  const base = id
    .replace(/\.[A-Za-z0-9]+$/, '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .slice(0, 60);
  return `${base}-${createHash('sha256').update(id).digest('hex').slice(0, 6)}`;
}

/** The model's fingerprint: indexes of other models (or other bytes) never merge. */
function fingerprint(path: string, bytes: Uint8Array): string {
  return `${basename(path)} sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
}

function readJson<T>(path: string, what: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${what} '${path}' is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/** `[image path, id]` pairs: ids are paths relative to the folder given (or file names). */
function datasetEntries(args: readonly string[]): { path: string; id: string }[] {
  const out: { path: string; id: string }[] = [];
  const seen = new Map<string, string>();
  for (const arg of args) {
    const paths = expandImagePaths([arg]);
    for (const path of paths) {
      const id = isDirectory(arg) ? relativePath(arg, path) : basename(path);
      const other = seen.get(id);
      if (other !== undefined) {
        throw new FvError(
          'INVALID_ARGUMENT',
          `Images '${other}' and '${path}' have the same name '${id}'; pass one folder per name`,
        );
      }
      seen.set(id, path);
      out.push({ path, id });
    }
  }
  return out;
}

/** The part of `image` inside `region`, fitted into a `size`×`size` square (aspect kept). */
function cropThumbnail(image: RgbaImage, region: PixelRegion, size: number): RgbaImage {
  const w = Math.max(1, region.width);
  const h = Math.max(1, region.height);
  const cut = createImage(w, h);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(image.height - 1, region.y + y);
    const row = image.data.subarray(
      (sy * image.width + region.x) * 4,
      (sy * image.width + region.x + w) * 4,
    );
    cut.data.set(row, y * w * 4);
  }
  const scale = size / Math.max(w, h);
  const tw = Math.max(1, Math.round(w * scale));
  const th = Math.max(1, Math.round(h * scale));
  const out = createImage(size, size, '#202020');
  pasteImage(
    out,
    resizeImage(cut, tw, th),
    Math.floor((size - tw) / 2),
    Math.floor((size - th) / 2),
  );
  return out;
}

/** A whole-number flag of at least `min`, `fallback` when not given. */
const count = (text: string | undefined, flag: string, fallback: number, min = 1): number =>
  parseNumber(text, flag, { integer: true, min }) ?? fallback;

export async function microscope(modelPath: string, o: MicroscopeOptions): Promise<void> {
  const out = o.out ?? 'site';
  const model = await resolveModel(modelPath, o);
  if (!o.layers)
    throw new FvError('INVALID_ARGUMENT', '--layers L1,L2 is required (see fv inspect)');
  const layers = o.layers
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  if (layers.length === 0) throw new FvError('INVALID_ARGUMENT', '--layers is empty');
  for (const layer of layers) checkLayer(model, layer);
  const selected = o.channels ? parseChannels(o.channels) : undefined;
  for (const layer of layers) {
    const c = model.inspection.layers.find((l) => l.name === layer)?.dims?.[1];
    const channels = typeof c === 'number' ? c : undefined;
    if (selected && channels !== undefined && !selected.some((c) => c < channels)) {
      throw new FvError(
        'OUT_OF_RANGE',
        `--channels ${o.channels} selects no unit of '${layer}' (0..${channels - 1})`,
      );
    }
  }
  if (!o.images?.length && !o.index?.length) {
    throw new FvError('INVALID_ARGUMENT', '--images DIR is required');
  }
  const shard = parseShard(o.shard);
  if (shard && o.index?.length) {
    throw new FvError(
      'INVALID_ARGUMENT',
      '--shard indexes one part of the images; --index builds the site from every part: use one or the other',
    );
  }
  const entries = selectShard(datasetEntries(o.images ?? []), shard, (e) => e.id);
  const settings: SiteSettings = {
    model: fingerprint(model.path, model.bytes),
    layers,
    topK: count(o.topK, '--top-k', 8),
    crops: count(o.crops, '--crops', 4, 0),
    cropSize: count(o.cropSize, '--crop-size', 64),
    imageSize: count(o.imageSize, '--image-size', 256),
    vizSize: count(
      o.vizSize,
      '--viz-size',
      Math.min(128, Math.max(model.resolved.width, model.resolved.height)),
    ),
    vizSteps: count(o.vizSteps, '--viz-steps', 256),
    neuron: o.neuron !== false,
    seed: count(o.seed, '--seed', 0, 0),
  };
  const fields = Object.fromEntries(
    layers.map((layer) => [
      layer,
      receptiveField(model.bytes, layer, {
        input: model.resolved.input,
        inputSize: [model.resolved.height, model.resolved.width],
        layout: model.resolved.layout,
      }),
    ]),
  ) as Record<string, ReceptiveField>;

  const settingsPath = join(out, 'data', 'site.json');
  // Never write into (or, with --fresh, delete) a folder that is not a site of ours.
  if (isDirectory(out) && readdirSync(out).length > 0 && !existsSync(settingsPath)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `'${out}' is not empty and holds no fv microscope site (data/site.json): choose a new or empty folder`,
    );
  }
  if (o.fresh) rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'data', 'images'), { recursive: true });
  if (existsSync(settingsPath)) {
    const before = readJson<SiteSettings>(settingsPath, 'Site settings');
    for (const key of Object.keys(settings) as (keyof SiteSettings)[]) {
      if (JSON.stringify(before[key]) !== JSON.stringify(settings[key])) {
        throw new FvError(
          'INVALID_ARGUMENT',
          `'${out}' was built with ${key} = ${JSON.stringify(before[key])}, now ${JSON.stringify(settings[key])}: pass the same flags to resume, or --fresh to rebuild`,
          { key },
        );
      }
    }
  }
  writeFileAtomic(settingsPath, `${JSON.stringify(settings, null, 2)}\n`);
  const show = progressEnabled(o.json);
  const ms = { dataset: 0, units: 0, images: 0, pages: 0 };
  /** Work this run did (a resumed run skips what is done). */
  const work = { imagesIndexed: 0, unitsRendered: 0, imagesSummarized: 0 };

  // The engine starts only when there is work for it (a resumed, finished site needs none).
  let session: Promise<Session> | undefined;
  const engineFor = async () => {
    session ??= openSession(model);
    return (await session).engine;
  };
  const config = model.resolved;
  try {
    // (1) The dataset index.
    let start = performance.now();
    const indexPath = shard
      ? join(out, 'data', `index.${shardName(shard)}.json`)
      : join(out, sitePaths.index);
    let index: DatasetIndex | undefined;
    if (o.index?.length) {
      index = mergeDatasetIndexes(o.index.map((p) => readJson<DatasetIndex>(p, 'Index')));
    } else if (existsSync(indexPath)) {
      index = readJson<DatasetIndex>(indexPath, 'Index');
    }
    const preprocess = { fit: o.crop ? ('center-crop' as const) : ('stretch' as const) };
    if (index) {
      const expected = { model: settings.model, topK: settings.topK, layers };
      const actual = {
        model: index.model,
        topK: index.topK,
        layers: index.layers.map((l) => l.layer),
      };
      if (
        JSON.stringify(expected) !== JSON.stringify(actual) ||
        index.preprocess.fit !== preprocess.fit
      ) {
        throw new FvError(
          'INVALID_ARGUMENT',
          `The index in '${o.index?.join(', ') ?? indexPath}' is for ${JSON.stringify(actual)}, fit ${index.preprocess.fit}; this run asks for ${JSON.stringify(expected)}, fit ${preprocess.fit} (--fresh rebuilds)`,
        );
      }
      const wanted = new Set(entries.map((e) => e.id));
      const stale = index.images.filter((i) => !wanted.has(i.id));
      if (stale.length > 0 && entries.length > 0) {
        throw new FvError(
          'INVALID_ARGUMENT',
          `The index has ${stale.length} image(s) not in --images (for example '${stale[0]!.id}'); pass the same images, or --fresh`,
        );
      }
    }
    const done = new Set(index?.images.map((i) => i.id) ?? []);
    const todo = o.index?.length ? [] : entries.filter((e) => !done.has(e.id));
    if (todo.length > 0) {
      const bar = startProgress('index', todo.length, show);
      const chunk = Math.max(32, 4 * count(o.batchSize, '--batch-size', 8));
      try {
        for (let first = 0; first < todo.length; first += chunk) {
          const part = todo.slice(first, first + chunk);
          // A chunk crosses to the worker as an array: the whole pass over it runs there.
          const images: DatasetImage[] = part.map((e) => ({ id: e.id, image: readImage(e.path) }));
          const run = datasetExamples(
            await engineFor(),
            images,
            {
              layers,
              receptiveFields: fields,
              topK: settings.topK,
              model: settings.model,
              preprocess,
              ...(o.batchSize !== undefined
                ? { batchSize: count(o.batchSize, '--batch-size', 8) }
                : {}),
              ...(o.histogramBins !== undefined
                ? { histogramBins: count(o.histogramBins, '--histogram-bins', 64, 2) }
                : {}),
              frameIntervalMs: 250,
            },
            config,
          );
          for await (const frame of run) {
            bar.update(first + frame.step, `${first + frame.step}/${todo.length} images`);
          }
          const shard = await run;
          index = index ? mergeDatasetIndexes([index, shard]) : shard;
          work.imagesIndexed += part.length;
          writeFileAtomic(indexPath, JSON.stringify(index));
        }
      } finally {
        bar.stop();
      }
    } else if (index && o.index?.length) {
      writeFileAtomic(indexPath, JSON.stringify(index));
    }
    if (!index) throw new FvError('INVALID_ARGUMENT', 'No images to index');
    ms.dataset = elapsed(start);
    if (o.indexOnly || shard) {
      if (o.json)
        printJson({ index: indexPath, images: index.images.length, layers, ms: ms.dataset });
      else
        println(
          `${indexPath}: ${index.images.length} images, ${layers.length} layers, ${ms.dataset} ms`,
        );
      return;
    }
    const finalIndex = index;
    const paths = new Map(entries.map((e) => [e.id, e.path]));
    for (const image of finalIndex.images) {
      if (!paths.has(image.id)) {
        throw new FvError(
          'INVALID_ARGUMENT',
          `Image '${image.id}' of the index is not among --images: the site needs the pictures`,
        );
      }
    }

    // (2) Pictures: display copies of the images, then every unit's visualizations and crops.
    const slugs = layerSlugs(model.inspection.layers.map((l) => l.name));
    const pages = new Map(finalIndex.images.map((i) => [i.id, imageSlug(i.id)]));
    for (const image of finalIndex.images) {
      const file = join(out, sitePaths.picture(pages.get(image.id)!));
      if (existsSync(file)) continue;
      mkdirSync(join(out, 'images'), { recursive: true });
      const picture = readImage(paths.get(image.id)!);
      const scale = Math.min(1, settings.imageSize / Math.max(picture.width, picture.height));
      const copy = resizeImage(
        picture,
        Math.max(1, Math.round(picture.width * scale)),
        Math.max(1, Math.round(picture.height * scale)),
      );
      writeFileAtomic(file, encodePng(copy));
    }
    const rendered = new Map<string, Set<number>>();
    for (const layer of finalIndex.layers) {
      const channels = (selected ?? layer.units.map((u) => u.channel)).filter(
        (c) => c < layer.channels,
      );
      if (selected && channels.length === 0) {
        throw new FvError(
          'OUT_OF_RANGE',
          `--channels ${o.channels} selects no unit of '${layer.layer}' (0..${layer.channels - 1})`,
        );
      }
      rendered.set(layer.layer, new Set(channels));
    }
    start = performance.now();
    const unitCount = [...rendered.values()].reduce((a, s) => a + s.size, 0);
    const bar = startProgress('units', unitCount, show);
    let unitsDone = 0;
    try {
      for (const layer of finalIndex.layers) {
        const slug = slugs.get(layer.layer)!;
        const channels = [...rendered.get(layer.layer)!];
        for (const c of channels)
          mkdirSync(join(out, sitePaths.unitAssets(slug, c)), { recursive: true });
        const pending = channels.filter(
          (c) =>
            !existsSync(join(out, sitePaths.visualization(slug, c))) ||
            (settings.neuron && !existsSync(join(out, sitePaths.neuron(slug, c)))),
        );
        unitsDone += channels.length - pending.length;
        bar.update(unitsDone, layer.layer);
        const group = count(o.vizBatch, '--viz-batch', 8);
        for (let i = 0; i < pending.length; i += group) {
          const batch = pending.slice(i, i + group);
          const objectives: UnitObjective[] = [
            ...batch.map(
              (channel): UnitObjective => ({ kind: 'channel', tensor: layer.layer, channel }),
            ),
            ...(settings.neuron
              ? batch.map(
                  (channel): UnitObjective => ({ kind: 'neuron', tensor: layer.layer, channel }),
                )
              : []),
          ];
          const run = unitVisualization(
            await engineFor(),
            undefined,
            {
              objective: objectives,
              size: [settings.vizSize, settings.vizSize],
              steps: settings.vizSteps,
              seed: settings.seed,
              frameIntervalMs: 250,
            },
            config,
          );
          for await (const frame of run) {
            bar.update(
              unitsDone,
              `${layer.layer}: units ${batch[0]}–${batch.at(-1)}, step ${frame.step}/${frame.totalSteps}`,
            );
          }
          const pictures = rgbToImages(await run);
          batch.forEach((channel, k) => {
            writeFileAtomic(
              join(out, sitePaths.visualization(slug, channel)),
              encodePng(pictures[k]!),
            );
            if (settings.neuron) {
              writeFileAtomic(
                join(out, sitePaths.neuron(slug, channel)),
                encodePng(pictures[batch.length + k]!),
              );
            }
          });
          unitsDone += batch.length;
          work.unitsRendered += batch.length;
          bar.update(unitsDone, layer.layer);
        }
        await writeCropStrips(out, slug, layer.layer, finalIndex, channels, settings, paths);
      }
    } finally {
      bar.stop();
    }
    ms.units = elapsed(start);

    // (3) One semantic dictionary per image (cached), then every page.
    start = performance.now();
    const summaries = new Map<string, ImageSummary>();
    const imageBar = startProgress('images', finalIndex.images.length, show);
    try {
      for (const [n, image] of finalIndex.images.entries()) {
        const cache = join(out, 'data', 'images', `${pages.get(image.id)!}.json`);
        let summary = existsSync(cache)
          ? readJson<ImageSummary>(cache, 'Image summary')
          : undefined;
        if (!summary) {
          summary = await summarizeImage(
            await engineFor(),
            config,
            readImage(paths.get(image.id)!),
            finalIndex,
            preprocess,
          );
          writeFileAtomic(cache, JSON.stringify(summary));
          work.imagesSummarized++;
        }
        summaries.set(image.id, summary);
        imageBar.update(n + 1, image.id);
      }
    } finally {
      imageBar.stop();
    }
    ms.images = elapsed(start);

    start = performance.now();
    const site: SiteInfo = {
      title: basename(model.path),
      index: finalIndex,
      slugs,
      pages,
      rendered,
    };
    writeFileAtomic(join(out, sitePaths.style), STYLESHEET);
    const r = model.resolved;
    writeFileAtomic(
      join(out, sitePaths.overview),
      overviewPage(site, {
        inputs: model.inspection.inputs,
        outputs: model.inspection.outputs,
        layers: model.inspection.layers,
        details: [
          ['file', basename(model.path)],
          ['fingerprint', settings.model],
          ['opset', String(model.inspection.opset)],
          [
            'input',
            `${r.input}: ${r.width}×${r.height} ${r.layout} ${r.colorOrder}, (pixel · ${r.scale.toPrecision(4)} − mean) / std, mean [${r.mean.join(', ')}], std [${r.std.join(', ')}]`,
          ],
          ['classes', String(model.classes ?? '?')],
          [
            'unit pictures',
            `${settings.vizSize}×${settings.vizSize}, ${settings.vizSteps} steps, seed ${settings.seed}`,
          ],
        ],
      }),
    );
    for (const layer of finalIndex.layers) {
      const slug = slugs.get(layer.layer)!;
      mkdirSync(join(out, 'layers'), { recursive: true });
      writeFileAtomic(join(out, sitePaths.layer(slug)), layerPage(site, layer, settings.crops));
      const channels = [...rendered.get(layer.layer)!].sort((a, b) => a - b);
      channels.forEach((c, i) => {
        writeFileAtomic(
          join(out, sitePaths.unit(slug, c)),
          unitPage(site, layer, layer.units[c]!, {
            neuron: settings.neuron,
            neighbours: [channels[i - 1], channels[i + 1]],
          }),
        );
      });
    }
    // Dictionary pictures show the rendered units: redrawn when that set changed.
    const renderedPath = join(out, 'data', 'rendered.json');
    const renderedBefore: Record<string, number[]> = existsSync(renderedPath)
      ? readJson(renderedPath, 'Rendered units')
      : {};
    const renderedNow = Object.fromEntries(
      [...rendered].map(([layer, set]) => [layer, [...set].sort((a, b) => a - b)]),
    );
    const thumbnails = new Map<string, RgbaImage>();
    for (const image of finalIndex.images) {
      const summary = summaries.get(image.id)!;
      const siteImage: SiteImage = { ...image, slug: pages.get(image.id)! };
      for (const d of summary.layers) {
        const slug = slugs.get(d.layer)!;
        const file = join(out, sitePaths.dictionary(siteImage.slug, slug));
        const same =
          JSON.stringify(renderedBefore[d.layer]) === JSON.stringify(renderedNow[d.layer]);
        if (same && existsSync(file)) continue;
        const picture = dictionaryPicture(d, (channel, size) => {
          if (!rendered.get(d.layer)?.has(channel)) return undefined;
          const key = `${d.layer}#${channel}@${size}`;
          let thumb = thumbnails.get(key);
          if (!thumb) {
            const viz = readImage(join(out, sitePaths.visualization(slug, channel)));
            thumb = resizeImage(viz, size, size);
            thumbnails.set(key, thumb);
          }
          return thumb;
        });
        writeFileAtomic(file, encodePng(picture));
      }
      writeFileAtomic(
        join(out, sitePaths.image(siteImage.slug)),
        imagePage(site, siteImage, summary),
      );
    }
    writeFileAtomic(renderedPath, JSON.stringify(renderedNow));
    ms.pages = elapsed(start);
    const overview = join(out, sitePaths.overview);
    if (o.json) {
      printJson({
        out: overview,
        images: finalIndex.images.length,
        layers,
        units: unitCount,
        work,
        ms,
      });
    } else {
      println(
        `${overview}: ${finalIndex.images.length} images, ${layers.length} layers, ${unitCount} units (index ${ms.dataset} ms, units ${ms.units} ms, images ${ms.images} ms, pages ${ms.pages} ms)`,
      );
    }
  } finally {
    if (session)
      await session.then(
        (s) => s.engine.dispose(),
        () => undefined,
      );
  }
}

/**
 * The semantic dictionary as a picture (as in Olah et al. 2018): each position of the layer shows
 * the feature visualization of its strongest unit, faded to black by the activation's norm.
 * (Drawn again only when the set of rendered units changes: delete `images/*.<layer>.png` to
 * force it.)
 */
function dictionaryPicture(
  d: ImageSummary['layers'][number],
  thumbnail: (channel: number, size: number) => RgbaImage | undefined,
): RgbaImage {
  const cell = Math.max(4, Math.min(24, Math.floor(256 / Math.max(d.width, d.height))));
  const out = createImage(d.width * cell, d.height * cell, '#000000');
  const peak = Math.max(0, ...d.magnitude);
  d.best.forEach((channel, p) => {
    if (channel < 0 || peak === 0) return;
    // A unit without a picture (not among --channels) gets its flat colour, as in the legend.
    const thumb = thumbnail(channel, cell);
    const flat = unitColor(channel);
    const alpha = Math.max(0.1, d.magnitude[p]! / peak);
    const faded = createImage(cell, cell);
    for (let i = 0; i < faded.data.length; i += 4) {
      for (let k = 0; k < 3; k++)
        faded.data[i + k] = (thumb ? thumb.data[i + k]! : flat[k]!) * alpha;
      faded.data[i + 3] = 255;
    }
    pasteImage(out, faded, (p % d.width) * cell, Math.floor(p / d.width) * cell);
  });
  return out;
}

/** Writes the strips of top (and, for signed layers, bottom) crops of `channels`. */
async function writeCropStrips(
  out: string,
  slug: string,
  layerName: string,
  index: DatasetIndex,
  channels: readonly number[],
  settings: SiteSettings,
  paths: ReadonlyMap<string, string>,
): Promise<void> {
  const layer = index.layers.find((l) => l.layer === layerName)!;
  const signed = isSignedLayer(layer);
  const kinds = signed ? (['top', 'bottom'] as const) : (['top'] as const);
  // Strips to write, and per image the crops it contributes (each image decoded once).
  const strips = new Map<string, RgbaImage>();
  const jobs = new Map<string, { strip: string; slot: number; region: PixelRegion }[]>();
  for (const c of channels) {
    const unit = layer.units[c]!;
    for (const kind of kinds) {
      const file = join(out, sitePaths.crops(slug, c, kind));
      const list = (kind === 'top' ? unit.topPositions : unit.bottomPositions).slice(
        0,
        settings.crops,
      );
      if (existsSync(file) || list.length === 0) continue;
      const gap = 2;
      strips.set(
        file,
        createImage(list.length * (settings.cropSize + gap) - gap, settings.cropSize, '#ffffff'),
      );
      list.forEach((e, slot) => {
        const queue = jobs.get(e.image) ?? [];
        queue.push({ strip: file, slot, region: e.region });
        jobs.set(e.image, queue);
      });
    }
  }
  for (const [id, queue] of jobs) {
    const image = readImage(paths.get(id)!);
    for (const job of queue) {
      pasteImage(
        strips.get(job.strip)!,
        cropThumbnail(image, job.region, settings.cropSize),
        job.slot * (settings.cropSize + 2),
        0,
      );
    }
  }
  for (const [file, strip] of strips) writeFileAtomic(file, encodePng(strip));
}

/** Top classes and, per indexed layer, the semantic dictionary for the top class. */
async function summarizeImage(
  engine: RuntimeEngine,
  config: ResolvedModelConfig,
  image: RgbaImage,
  index: DatasetIndex,
  preprocess: { readonly fit: 'stretch' | 'center-crop' },
): Promise<ImageSummary> {
  const layers: ImageSummary['layers'][number][] = [];
  for (const layer of index.layers) {
    const d = await semanticDictionary(
      engine,
      image,
      { layer: layer.layer, target: 'top', topK: 1, preprocess },
      config,
    );
    layers.push({
      layer: d.layer,
      height: d.height,
      width: d.width,
      best: d.positions.map((p) =>
        p.magnitude > 0 ? ((p.attributions ?? p.activations)[0]?.channel ?? -1) : -1,
      ),
      magnitude: d.positions.map((p) => Number(p.magnitude.toPrecision(4))),
      attribution: (d.channelAttribution ?? []).slice(0, 8),
    });
  }
  const { tensor } = imageToTensor(image, config, preprocess);
  const logits = (await engine.forward(tensor, { outputs: [config.logits] }))[config.logits]!.data;
  const classes = topPredictions(logits, config, 5).map((p) => ({
    label: `${p.index} ${labelOf(config, p.index)}`,
    probability: p.probability,
  }));
  return { classes, layers };
}

// `fv evaluate MODEL IMAGE…`: several saliency methods scored by the same metrics (deletion,
// insertion, infidelity, max-sensitivity, cascading randomization) for the same class: a table per
// image and a summary table (or --json), the deletion/insertion curves and the randomization
// cascade as pictures. A batch command (`--shard`, `--resume`, `--workers`: batch/run.ts) whose
// index lines keep every score, so a resumed run's summary covers all its images.

import { extname } from 'node:path';
import { parameterizedLayers } from '@fv/autodiff';
import {
  type Baseline,
  type CompareOptions,
  type Comparison,
  cascadePoints,
  compareMethods,
  FvError,
  type MethodEvaluation,
  type MetricName,
  metricNames,
  type PixelOrder,
  type RgbaImage,
  tensorToImage,
} from '@fv/core';
import { composeGrid, encodePng, linePlot, type PlotSeries, visualizeAttribution } from '@fv/viz';
import type { IndexEntry } from '../batch/index-file.js';
import { type BatchFlags, batchSettings, openEngine, resumedLine, runBatch } from '../batch/run.js';
import { shardName } from '../batch/shard.js';
import { expandImagePaths, isDirectory, readImage, stem, writeFileAtomic } from '../files.js';
import { type MethodFlags, methodOptions, parseMethod } from '../methods.js';
import { labelOf, type ModelFlags, parseTarget, resolveModel } from '../model.js';
import { COUNT, parseNumber } from '../options.js';
import { elapsed, outputBase, printJson, println } from '../output.js';
import { progressEnabled } from '../progress.js';
import { enlarge } from './saliency.js';

export const DEFAULT_METHODS = 'vanilla,smoothgrad,grad-cam,guided-backprop,random';
export const DEFAULT_METRICS = metricNames.join(',');
const PICTURES = ['curves', 'randomization'] as const;
/** Cascade points when `--cascade` is not given: every layer, but at most this many. */
const DEFAULT_CASCADE = 8;

export interface EvaluateCliOptions extends ModelFlags, MethodFlags, BatchFlags {
  readonly methods?: string;
  readonly metrics?: string;
  readonly target?: string;
  readonly out?: string;
  readonly pictures?: string;
  readonly order?: string;
  readonly pixelsPerStep?: string;
  readonly deletionBaseline?: string;
  readonly insertionBaseline?: string;
  readonly perturbations?: string;
  readonly noiseStd?: string;
  readonly radius?: string;
  readonly cascade?: string;
  readonly init?: string;
  readonly minDisplay?: string;
  readonly json?: boolean;
}

function list(text: string, flag: string): string[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new FvError('INVALID_ARGUMENT', `${flag} is empty`);
  return [...new Set(items)];
}

function choice<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${flag} must be one of ${allowed.join(', ')}, got '${value}'`,
    );
  }
  return value as T;
}

/** The one number each metric contributes to a table row. */
export interface Scores {
  readonly deletion?: number;
  readonly insertion?: number;
  readonly infidelity?: number;
  readonly sensitivity?: number;
  /** Mean over the cascade points of the Spearman correlation of the absolute maps. */
  readonly randomizationAbsolute?: number;
  /** The same for the signed maps. */
  readonly randomizationSigned?: number;
}

/** Mean of the finite values (NaN when there are none). */
function mean(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : Number.NaN;
}

function standardDeviation(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2) return Number.NaN;
  const m = mean(finite);
  return Math.sqrt(finite.reduce((a, v) => a + (v - m) ** 2, 0) / (finite.length - 1));
}

export function scoresOf(m: MethodEvaluation): Scores {
  const steps = m.randomization?.steps;
  return {
    ...(m.deletion ? { deletion: m.deletion.auc } : {}),
    ...(m.insertion ? { insertion: m.insertion.auc } : {}),
    ...(m.infidelity ? { infidelity: m.infidelity.value } : {}),
    ...(m.sensitivity ? { sensitivity: m.sensitivity.value } : {}),
    ...(steps
      ? {
          randomizationAbsolute: mean(steps.map((s) => s.spearmanAbsolute)),
          randomizationSigned: mean(steps.map((s) => s.spearmanSigned)),
        }
      : {}),
  };
}

const COLUMNS: readonly { key: keyof Scores; title: string; metric: MetricName }[] = [
  { key: 'deletion', title: 'deletion AUC ↓', metric: 'deletion' },
  { key: 'insertion', title: 'insertion AUC ↑', metric: 'insertion' },
  { key: 'infidelity', title: 'infidelity ↓', metric: 'infidelity' },
  { key: 'sensitivity', title: 'max-sensitivity ↓', metric: 'sensitivity' },
  { key: 'randomizationAbsolute', title: 'randomization ρ|S| ↓', metric: 'randomization' },
  { key: 'randomizationSigned', title: 'randomization ρS ↓', metric: 'randomization' },
];

function format(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  const a = Math.abs(value);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return value.toExponential(2);
  return value.toFixed(3);
}

/** A table of one row per method, columns for the metrics computed. */
export function scoreTable(
  rows: readonly { method: string; scores: Scores }[],
  metrics: readonly MetricName[],
  indent = '  ',
): string[] {
  const columns = COLUMNS.filter((c) => metrics.includes(c.metric));
  const cells = [
    ['method', ...columns.map((c) => c.title)],
    ...rows.map((r) => [r.method, ...columns.map((c) => format(r.scores[c.key]))]),
  ];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => [...row[i]!].length)));
  return cells.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  '),
  );
}

/** Deletion and insertion curves of every method, side by side. */
function curvesPicture(
  rows: readonly {
    method: string;
    deletion?: Float64Array;
    insertion?: Float64Array;
    scores: Scores;
  }[],
  title: string,
): RgbaImage | undefined {
  const panels = (['deletion', 'insertion'] as const).flatMap((metric) => {
    const series: PlotSeries[] = rows
      .filter((r) => r[metric])
      .map((r) => ({ label: `${r.method} (${format(r.scores[metric])})`, y: r[metric]! }));
    if (series.length === 0) return [];
    return [
      {
        image: linePlot(series, {
          title: `${metric === 'deletion' ? 'Deletion' : 'Insertion'}: ${title}`,
          xLabel: `fraction of pixels ${metric === 'deletion' ? 'removed' : 'inserted'}`,
          yLabel: 'class probability (AUC in the legend)',
          yRange: [0, 1],
          width: 520,
          height: 320,
        }),
      },
    ];
  });
  return panels.length > 0 ? composeGrid(panels, { gap: 12 }) : undefined;
}

/** The randomization cascade: one row per method, the original map then each step's map. */
function cascadePicture(
  comparison: Comparison,
  image: RgbaImage,
  minDisplay: number,
): RgbaImage | undefined {
  const rows = comparison.methods.filter((m) => m.randomization);
  if (rows.length === 0) return undefined;
  const draw = (map: Parameters<typeof visualizeAttribution>[0]) =>
    enlarge(visualizeAttribution(map, image, { sign: 'absolute' }), minDisplay);
  const columns = 2 + rows[0]!.randomization!.steps.length;
  const panels = rows.flatMap((m) => [
    { image: enlarge(image, minDisplay), title: m.method },
    { image: draw(m.explanation.map), title: 'original' },
    ...m.randomization!.steps.map((s) => ({
      image: draw(s.map),
      title: `top ${s.count}: ${format(s.spearmanAbsolute)}`,
    })),
  ]);
  return composeGrid(panels, { columns, gap: 6 });
}

/** One method's results as the index and `--json` keep them (plain numbers and arrays). */
function methodRecord(m: MethodEvaluation) {
  return {
    method: m.method,
    scores: scoresOf(m),
    ...(m.deletion
      ? { deletion: { auc: m.deletion.auc, scores: Array.from(m.deletion.scores) } }
      : {}),
    ...(m.insertion
      ? { insertion: { auc: m.insertion.auc, scores: Array.from(m.insertion.scores) } }
      : {}),
    ...(m.infidelity ? { infidelity: { value: m.infidelity.value, beta: m.infidelity.beta } } : {}),
    ...(m.sensitivity
      ? {
          sensitivity: {
            value: m.sensitivity.value,
            sensitivities: Array.from(m.sensitivity.sensitivities),
          },
        }
      : {}),
    ...(m.randomization
      ? {
          randomization: m.randomization.steps.map((s) => ({
            count: s.count,
            layer: s.layer,
            spearmanAbsolute: s.spearmanAbsolute,
            spearmanSigned: s.spearmanSigned,
            ssim: s.ssim,
          })),
        }
      : {}),
  };
}

/** One image's line of the index: every method's scores, so summaries need no recomputation. */
interface EvaluateEntry extends IndexEntry {
  readonly target: number;
  readonly label: string;
  readonly score: number;
  readonly methods: readonly ReturnType<typeof methodRecord>[];
}

export async function evaluateCommand(
  modelPath: string,
  images: readonly string[],
  o: EvaluateCliOptions,
): Promise<void> {
  const methodNames = list(o.methods ?? DEFAULT_METHODS, '--methods').map(parseMethod);
  const metrics = list(o.metrics ?? DEFAULT_METRICS, '--metrics').map((m) => {
    if (!metricNames.includes(m as MetricName)) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Unknown metric '${m}' in --metrics (metrics: ${metricNames.join(', ')})`,
      );
    }
    return m as MetricName;
  });
  const pictures =
    o.pictures === 'none' ? [] : list(o.pictures ?? 'curves,randomization', '--pictures');
  for (const p of pictures) choice(p, PICTURES, '--pictures');
  const order = choice<PixelOrder>(o.order, ['absolute', 'positive', 'signed'], '--order');
  const baselines = ['black', 'blurred', 'mean', 'uniform'] as const;
  const deletionBaseline = choice(o.deletionBaseline, baselines, '--deletion-baseline');
  const insertionBaseline = choice(o.insertionBaseline, baselines, '--insertion-baseline');
  const init = choice(o.init, ['reset', 'shuffle'] as const, '--init');
  const pixelsPerStep = parseNumber(o.pixelsPerStep, '--pixels-per-step', COUNT);
  const perturbations = parseNumber(o.perturbations, '--perturbations', COUNT);
  const noiseStd = parseNumber(o.noiseStd, '--noise-std');
  const radius = parseNumber(o.radius, '--radius');
  const cascade = parseNumber(o.cascade, '--cascade', { integer: true, min: 1 });
  const minDisplay = parseNumber(o.minDisplay, '--min-display', COUNT) ?? 96;
  const batch = batchSettings(o);
  const model = await resolveModel(modelPath, o);
  const target = parseTarget(model, o.target);
  const methods = methodNames.map((m) => methodOptions(m, target, o));
  const layers = metrics.includes('randomization') ? parameterizedLayers(model.bytes).length : 0;
  if (metrics.includes('randomization') && layers === 0) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `'${modelPath}' has no layers with float weights to randomize (Conv, Gemm, MatMul, normalizations)`,
    );
  }
  const steps = layers > 0 ? cascadePoints(layers, cascade ?? DEFAULT_CASCADE) : undefined;
  const curve = (baseline: Baseline | undefined) => ({
    ...(baseline ? { baseline } : {}),
    ...(pixelsPerStep !== undefined ? { pixelsPerStep } : {}),
  });
  const options: CompareOptions = {
    methods,
    metrics,
    target,
    ...(order ? { order } : {}),
    ...(o.crop ? { preprocess: { fit: 'center-crop' as const } } : {}),
    deletion: curve(deletionBaseline),
    insertion: curve(insertionBaseline),
    infidelity: {
      ...(perturbations !== undefined ? { samples: perturbations } : {}),
      ...(noiseStd !== undefined ? { std: noiseStd } : {}),
    },
    sensitivity: {
      ...(perturbations !== undefined ? { samples: perturbations } : {}),
      ...(radius !== undefined ? { radius } : {}),
    },
    randomization: { ...(steps ? { steps } : {}), ...(init ? { init } : {}) },
  };
  const paths = expandImagePaths(images);
  const out = o.out ?? 'out/';
  if (pictures.length > 0 && extname(out) !== '' && !isDirectory(out)) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `--out '${out}' must be a folder (fv evaluate writes several pictures)`,
    );
  }
  const folder = `${out.replace(/\/+$/, '')}/`;
  const bases = new Map(
    paths.map((p) => [p, outputBase(folder, paths.length, stem(p), '')] as const),
  );
  // The pictures an image gets (what --resume checks): curves when deletion or insertion is
  // scored, the cascade when randomization is.
  const kinds = pictures.filter((p) =>
    p === 'curves'
      ? metrics.includes('deletion') || metrics.includes('insertion')
      : metrics.includes('randomization'),
  );
  const result = await runBatch({
    name: 'evaluate',
    images: paths,
    out: folder,
    settings: batch,
    progress: progressEnabled(o.json),
    files: (image) => kinds.map((kind) => `${bases.get(image)!}.${kind}.png`),
    open: openEngine(model),
    run: async ({ engine, config }, path, inner): Promise<EvaluateEntry> => {
      const start = performance.now();
      const run = compareMethods(engine, readImage(path), options, config);
      for await (const frame of run) {
        inner.setTotal(frame.totalSteps);
        inner.update(frame.step, `${frame.method}: ${frame.stage}`);
      }
      const comparison = await run;
      const files: Record<string, string> = {};
      const label = labelOf(config, comparison.target);
      const name = `${stem(path)}, ${label}`;
      if (kinds.includes('curves')) {
        const picture = curvesPicture(
          comparison.methods.map((m) => ({
            method: m.method,
            ...(m.deletion ? { deletion: m.deletion.scores } : {}),
            ...(m.insertion ? { insertion: m.insertion.scores } : {}),
            scores: scoresOf(m),
          })),
          name,
        );
        if (picture) {
          files.curves = `${bases.get(path)!}.curves.png`;
          writeFileAtomic(files.curves, encodePng(picture));
        }
      }
      if (kinds.includes('randomization')) {
        const input = tensorToImage(comparison.methods[0]!.explanation.input, config);
        const picture = cascadePicture(comparison, input, minDisplay);
        if (picture) {
          files.randomization = `${bases.get(path)!}.randomization.png`;
          writeFileAtomic(files.randomization, encodePng(picture));
        }
      }
      return {
        image: path,
        target: comparison.target,
        label,
        score: comparison.methods[0]!.explanation.score,
        methods: comparison.methods.map(methodRecord),
        files,
        ms: elapsed(start),
      };
    },
    finished: (entry) => {
      if (o.json) return;
      const files = Object.values(entry.files);
      println(
        `${entry.image}: class ${entry.target} (${entry.label}), score ${entry.score.toFixed(3)}${files.length > 0 ? ` → ${files.join(', ')}` : ''}`,
      );
      for (const line of scoreTable(entry.methods, metrics)) println(line);
    },
  });
  const entries = result.entries;
  const summary = methodNames.map((method, k) => {
    const all = entries.map((r) => r.methods[k]!.scores);
    const keys = COLUMNS.map((c) => c.key).filter((key) => all.some((s) => s[key] !== undefined));
    return {
      method,
      mean: Object.fromEntries(
        keys.map((key) => [key, mean(all.map((s) => s[key] ?? Number.NaN))]),
      ) as Scores,
      sd: Object.fromEntries(
        keys.map((key) => [key, standardDeviation(all.map((s) => s[key] ?? Number.NaN))]),
      ) as Scores,
    };
  });
  if (entries.length > 1 && pictures.includes('curves')) {
    const meanCurve = (k: number, metric: 'deletion' | 'insertion') => {
      const curves = entries.map((r) => r.methods[k]![metric]?.scores);
      if (curves.some((c) => !c) || new Set(curves.map((c) => c!.length)).size !== 1)
        return undefined;
      return Float64Array.from(curves[0]!, (_, i) => mean(curves.map((c) => c![i]!)));
    };
    const picture = curvesPicture(
      methodNames.map((method, k) => {
        const del = meanCurve(k, 'deletion');
        const ins = meanCurve(k, 'insertion');
        return {
          method,
          ...(del ? { deletion: del } : {}),
          ...(ins ? { insertion: ins } : {}),
          scores: summary[k]!.mean,
        };
      }),
      `mean of ${entries.length} images`,
    );
    if (picture) {
      // A shard's summary is of its images (shards share the folder).
      const file = `${folder}summary${batch.shard ? `.${shardName(batch.shard)}` : ''}.curves.png`;
      writeFileAtomic(file, encodePng(picture));
      if (!o.json) println(`summary curves → ${file}`);
    }
  }
  const resumed = resumedLine(result);
  if (o.json) {
    printJson({
      model: modelPath,
      methods: methodNames,
      metrics,
      ...(steps ? { cascade: steps } : {}),
      images: entries.map(({ ms: _ms, ...image }) => image),
      summary,
    });
    return;
  }
  if (resumed) println(resumed);
  if (entries.length > 1) {
    println(`summary: mean over ${entries.length} images`);
    for (const line of scoreTable(
      summary.map((s) => ({ method: s.method, scores: s.mean })),
      metrics,
    )) {
      println(line);
    }
  }
}

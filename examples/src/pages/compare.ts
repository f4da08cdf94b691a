// Compare methods: one image, several saliency methods side by side, each scored by the same
// metrics (deletion and insertion AUC, the randomization sanity check, optionally infidelity and
// max-sensitivity) for the image's top class. The whole comparison runs in @fv/runtime's worker
// (one request; frames say which method and metric is running) and reruns when the image or the
// model changes; a newer run aborts the older one.
import {
  type CompareOptions,
  type Comparison,
  compareMethods,
  type MetricName,
  type RgbaImage,
  type SaliencyOptions,
  tensorToImage,
} from '@fv/core';
import {
  colorize,
  composeGrid,
  drawToCanvas,
  linePlot,
  type PlotSeries,
  resizeImage,
  visualizeAttribution,
} from '@fv/viz';
import {
  byId,
  clearError,
  drawImage,
  Gallery,
  isAbort,
  labelOf,
  numberValue,
  publish,
  setState,
  setStatus,
  showError,
  start,
} from '../common.js';

let image: ImageData | undefined;
let imageName = '';
let running: AbortController | undefined;

const gallery = new Gallery({
  async onEngine() {
    await rerun();
  },
  async onImage(next, name) {
    image = next;
    imageName = name;
    await rerun();
  },
});

function checked(name: string): string[] {
  return [...document.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map(
    (input) => input.value,
  );
}

function methods(): SaliencyOptions[] {
  return checked('method').map((method) => {
    const common = { target: 'top' } as const;
    switch (method) {
      case 'smoothgrad':
        return { ...common, method, samples: numberValue('samples', 8), seed: 1 };
      case 'integrated-gradients':
        return { ...common, method, steps: 16 };
      case 'rise':
        return { ...common, method, masks: numberValue('masks', 500) };
      default:
        return { ...common, method } as SaliencyOptions;
    }
  });
}

function options(): CompareOptions {
  return {
    methods: methods(),
    metrics: checked('metric') as MetricName[],
    randomization: { points: numberValue('points', 3) },
  };
}

const format = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v)
    ? '—'
    : Math.abs(v) < 1e-3 && v !== 0
      ? v.toExponential(1)
      : v.toFixed(3);
const mean = (values: readonly number[]) => {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : Number.NaN;
};

/** The score table: a row per method with its map and the numbers of the chosen metrics. */
function renderTable(c: Comparison, metrics: readonly MetricName[]): void {
  const head = byId('score-head');
  const columns: [MetricName, string][] = (
    [
      ['deletion', 'deletion AUC ↓'],
      ['insertion', 'insertion AUC ↑'],
      ['randomization', 'randomization ρ ↓'],
      ['infidelity', 'infidelity ↓'],
      ['sensitivity', 'max-sensitivity ↓'],
    ] as [MetricName, string][]
  ).filter(([m]) => metrics.includes(m));
  head.replaceChildren(
    ...['method', 'map', ...columns.map(([, title]) => title)].map((text) => {
      const th = document.createElement('th');
      th.textContent = text;
      return th;
    }),
  );
  const body = byId('score-body');
  body.replaceChildren(
    ...c.methods.map((m) => {
      const row = document.createElement('tr');
      row.dataset.method = m.method;
      const name = document.createElement('td');
      name.textContent = m.method;
      const mapCell = document.createElement('td');
      const canvas = document.createElement('canvas');
      drawToCanvas(canvas, colorize(m.explanation.map, { sign: 'absolute' }));
      mapCell.append(canvas);
      const values: Record<MetricName, number | undefined> = {
        deletion: m.deletion?.auc,
        insertion: m.insertion?.auc,
        randomization: m.randomization
          ? mean(m.randomization.steps.map((s) => s.spearmanAbsolute))
          : undefined,
        infidelity: m.infidelity?.value,
        sensitivity: m.sensitivity?.value,
      };
      row.append(
        name,
        mapCell,
        ...columns.map(([metric]) => {
          const td = document.createElement('td');
          td.textContent = format(values[metric]);
          td.dataset.metric = metric;
          return td;
        }),
      );
      return row;
    }),
  );
}

/** Deletion and insertion curves side by side. */
function curves(c: Comparison, title: string): RgbaImage | undefined {
  const panels = (['deletion', 'insertion'] as const).flatMap((metric) => {
    const series: PlotSeries[] = c.methods
      .filter((m) => m[metric])
      .map((m) => ({ label: `${m.method} (${format(m[metric]!.auc)})`, y: m[metric]!.scores }));
    return series.length === 0
      ? []
      : [
          {
            image: linePlot(series, {
              title: `${metric}: ${title}`,
              xLabel: `fraction of pixels ${metric === 'deletion' ? 'removed' : 'inserted'}`,
              yLabel: 'class probability',
              yRange: [0, 1],
              width: 420,
              height: 260,
            }),
          },
        ];
  });
  return panels.length ? composeGrid(panels, { gap: 8 }) : undefined;
}

/** The cascade: a row per method, its original map then each randomized step. */
function cascade(c: Comparison, input: RgbaImage): RgbaImage | undefined {
  const rows = c.methods.filter((m) => m.randomization);
  if (rows.length === 0) return undefined;
  // Small model inputs are enlarged (nearest neighbour) to at least 96 px.
  const k = Math.max(1, Math.ceil(96 / Math.max(input.width, input.height)));
  const draw = (map: Comparison['methods'][number]['explanation']['map']) => {
    const picture = visualizeAttribution(map, input, { sign: 'absolute' });
    return k === 1 ? picture : resizeImage(picture, picture.width * k, picture.height * k);
  };
  return composeGrid(
    rows.flatMap((m) => [
      { image: draw(m.explanation.map), title: m.method },
      ...m.randomization!.steps.map((s) => ({
        image: draw(s.map),
        title: `${s.count}: ${format(s.spearmanAbsolute)}`,
      })),
    ]),
    { columns: 1 + rows[0]!.randomization!.steps.length, gap: 4 },
  );
}

function drawOptional(id: string, picture: RgbaImage | undefined): void {
  const canvas = byId<HTMLCanvasElement>(id);
  canvas.hidden = !picture;
  if (picture) drawImage(id, picture);
}

async function compare(): Promise<void> {
  clearError();
  const { engine, config } = gallery.require();
  if (!image) throw new Error('No image: choose, drop or paste one');
  running?.abort();
  const controller = new AbortController();
  running = controller;
  const chosen = options();
  if (chosen.methods.length === 0 || chosen.metrics.length === 0) {
    throw new Error('Choose at least one method and one metric');
  }
  setState('running');
  byId<HTMLButtonElement>('stop').disabled = false;
  updateCode();
  const started = performance.now();
  try {
    const run = compareMethods(
      engine,
      image,
      { ...chosen, signal: controller.signal, frameIntervalMs: 0 },
      config,
    );
    for await (const frame of run) {
      setStatus(`${frame.method}: ${frame.stage} (${frame.step}/${frame.totalSteps})`);
    }
    const result = await run;
    const ms = performance.now() - started;
    const label = labelOf(config, result.target);
    byId('target').textContent = `class ${result.target}: ${label}`;
    renderTable(result, chosen.metrics);
    drawOptional('view-curves', curves(result, label));
    drawOptional(
      'view-cascade',
      cascade(result, tensorToImage(result.methods[0]!.explanation.input, config)),
    );
    publish('compare', {
      backend: engine.info.backend,
      target: result.target,
      ms,
      methods: result.methods.map((m) => ({
        method: m.method,
        deletion: m.deletion?.auc ?? null,
        insertion: m.insertion?.auc ?? null,
        randomization: m.randomization?.steps.map((s) => s.spearmanAbsolute) ?? null,
      })),
    });
    setStatus(
      `${result.methods.length} methods for ${label} on ${engine.info.backend} in ${(ms / 1000).toFixed(1)} s.`,
    );
    setState('done');
  } finally {
    if (running === controller) {
      running = undefined;
      byId<HTMLButtonElement>('stop').disabled = true;
    }
  }
}

/** Recomputes after a change of image or model (the previous run, if any, is aborted). */
async function rerun(): Promise<void> {
  if (!image || !gallery.engine) return;
  await compare().catch((error) => (isAbort(error) ? undefined : showError(error)));
}

function updateCode(): void {
  const o = options();
  byId('code').textContent = `import { compareMethods } from '@fv/core';
import { createEngine } from '@fv/runtime';

const engine = await createEngine({ model: '${gallery.modelSource}', backend: '${gallery.backendChoice}' });
const image = /* ImageData of '${imageName}' */;
const table = await compareMethods(engine, image, ${JSON.stringify(o)}, config);
table.methods[0].deletion?.auc; // lower is better`;
}

start(async () => {
  const form = byId<HTMLFormElement>('controls');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    compare().catch((error) => (isAbort(error) ? setState('stopped') : showError(error)));
  });
  form.addEventListener('input', updateCode);
  byId('stop').addEventListener('click', () => {
    running?.abort();
    setState('stopped');
    setStatus('Stopped.');
  });
  await gallery.init();
  await gallery.initImages();
});

// Saliency explorer: top-5 classes of the image, then a saliency map of the chosen class by the
// chosen method, computed in @fv/runtime's worker (one request; progress streamed back), drawn
// with @fv/viz as image, overlay, absolute, positive and negative maps. Below, the image's
// semantic dictionary at a layer (Olah et al. 2018): the units that carried the chosen class,
// each with its feature visualization, and where in the image each of them fires.
import {
  imageToTensor,
  type RgbaImage,
  rgbToImages,
  type SaliencyOptions,
  type SaliencyResult,
  type SemanticDictionary,
  saliency,
  semanticDictionary,
  type UnitObjective,
  unitVisualization,
} from '@fv/core';
import type { RuntimeEngine } from '@fv/runtime';
import {
  type AttributionSign,
  type ColormapName,
  colorize,
  colormapNames,
  composeGrid,
  defaultColormap,
  type NormalizeMode,
  overlay,
  signPart,
} from '@fv/viz';
import {
  byId,
  clearError,
  downloadPng,
  drawImage,
  fillSelect,
  Gallery,
  gridLayers,
  hasTokenAttention,
  isAbort,
  labelOf,
  numberValue,
  publish,
  StepTimer,
  setState,
  setStatus,
  showError,
  start,
  visualLayers,
} from '../common.js';

let image: ImageData | undefined;
let imageName = '';
let result: SaliencyResult | undefined;
let rendered: { overlay: RgbaImage; panels: RgbaImage[] } | undefined;
const timer = new StepTimer();

const gallery = new Gallery({
  async onEngine(engine) {
    const layers = gridLayers(engine);
    const transformer = hasTokenAttention(engine);
    const camLayer = byId<HTMLSelectElement>('cam-layer');
    camLayer.replaceChildren(
      new Option(transformer ? 'auto (last block input)' : 'auto (last conv)', ''),
      ...layers.map((l) => new Option(l, l)),
    );
    // The transformer methods are offered when the model has attention over its image tokens.
    const method = byId<HTMLSelectElement>('method');
    for (const option of method.querySelectorAll<HTMLOptionElement>('option[data-transformer]')) {
      option.hidden = !transformer;
      option.disabled = !transformer;
    }
    if (method.selectedOptions[0]?.disabled) method.value = 'vanilla';
    if (transformer && !method.dataset.touched) method.value = 'transformer-attribution';
    showMethodOptions();
    const visual = visualLayers(engine);
    fillSelect(
      byId<HTMLSelectElement>('dict-layer'),
      visual,
      visual[Math.floor(visual.length / 2)],
    );
    await classify();
  },
  async onImage(next, name) {
    image = next;
    imageName = name;
    drawImage('view-image', next);
    result = undefined;
    await classify();
  },
});

/** Forward pass: the top 5 classes as radio buttons (the first one checked). */
async function classify(): Promise<void> {
  if (!image || !gallery.engine || !gallery.config) return;
  const { engine, config } = gallery;
  try {
    const input = imageToTensor(image, config).tensor;
    const started = performance.now();
    const outputs = await engine.forward(input, { outputs: [config.logits] });
    byId('step-time').textContent = `${(performance.now() - started).toFixed(0)} ms/forward`;
    const logits = outputs[config.logits]?.data ?? new Float32Array();
    const max = Math.max(...logits);
    const exp = Array.from(logits, (v) => Math.exp(v - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    const top = exp
      .map((p, i) => ({ p: p / sum, i }))
      .sort((a, b) => b.p - a.p)
      .slice(0, 5);
    const list = byId('top5');
    list.replaceChildren(
      ...top.map(({ p, i }, rank) => {
        const item = document.createElement('li');
        const label = document.createElement('label');
        const radio = document.createElement('input');
        radio.type = 'radio';
        radio.name = 'target';
        radio.value = String(i);
        radio.checked = rank === 0;
        const prob = document.createElement('span');
        prob.className = 'p';
        prob.textContent = `${(100 * p).toFixed(1)} %`;
        label.append(radio, ` ${labelOf(config, i)} (${i})`, prob);
        item.append(label);
        return item;
      }),
    );
    publish(
      'top5',
      top.map((t) => t.i),
    );
    setStatus(`${gallery.modelLabel}: top class ${labelOf(config, top[0]?.i ?? 0)}. Ready.`);
    updateCode();
  } catch (error) {
    showError(error);
  }
}

function target(): number | 'top' {
  const checked = document.querySelector<HTMLInputElement>('input[name="target"]:checked');
  return checked ? Number(checked.value) : 'top';
}

function methodOptions(): SaliencyOptions {
  const method = byId<HTMLSelectElement>('method').value as SaliencyOptions['method'];
  const common = { target: target() } as const;
  const layer = byId<HTMLSelectElement>('cam-layer').value;
  switch (method) {
    case 'smoothgrad':
      return {
        ...common,
        method,
        samples: numberValue('samples', 8),
        sigma: numberValue('sigma', 0.15),
        seed: 1,
      };
    case 'integrated-gradients':
      return { ...common, method, steps: numberValue('ig-steps', 16) };
    case 'occlusion': {
      const window = numberValue('window', 16);
      return { ...common, method, window, stride: Math.max(1, Math.round(window / 2)) };
    }
    case 'grad-cam':
    case 'grad-cam++':
    case 'guided-grad-cam':
      return layer ? { ...common, method, layer } : { ...common, method };
    case 'score-cam':
      return { ...common, method };
    case 'attention-rollout':
    case 'transformer-attribution': {
      const token = byId<HTMLSelectElement>('token').value as
        | 'class'
        | 'distillation'
        | 'mean'
        | '';
      const tokenOption = token ? { token } : {};
      if (method === 'transformer-attribution') return { ...common, method, ...tokenOption };
      return {
        ...common,
        method,
        ...tokenOption,
        headFusion: byId<HTMLSelectElement>('head-fusion').value as 'mean' | 'max' | 'min',
        discardRatio: numberValue('discard-ratio', 0),
      };
    }
    default:
      return { ...common, method };
  }
}

function display(): {
  colormap: ColormapName | undefined;
  normalize: NormalizeMode;
  sign: AttributionSign;
  alpha: number;
} {
  const colormap = byId<HTMLSelectElement>('colormap').value;
  return {
    colormap: colormap ? (colormap as ColormapName) : undefined,
    normalize: byId<HTMLSelectElement>('normalize').value as NormalizeMode,
    sign: byId<HTMLSelectElement>('sign').value as AttributionSign,
    alpha: numberValue('alpha', 0.6),
  };
}

/** Draws the current result with the current display settings (no recomputation). */
function render(): void {
  if (!result || !image) return;
  const d = display();
  const cmap = (sign: AttributionSign) => d.colormap ?? defaultColormap(sign);
  // One signed map; viz draws each part of it (the `sign` option).
  const part = (sign: AttributionSign) =>
    colorize(result!.map, { sign, normalize: d.normalize, colormap: cmap(sign) });
  const absolute = part('absolute');
  const positive = part('positive');
  const negative = part('negative');
  const source = { data: image.data, width: image.width, height: image.height };
  const over = overlay(source, result.map, {
    alpha: d.alpha,
    sign: d.sign,
    normalize: d.normalize,
    colormap: cmap(d.sign),
  });
  drawImage('view-overlay', over);
  drawImage('view-absolute', absolute);
  drawImage('view-positive', positive);
  drawImage('view-negative', negative);
  rendered = { overlay: over, panels: [absolute, positive, negative] };
  byId<HTMLButtonElement>('download').disabled = false;
}

async function compute(): Promise<void> {
  clearError();
  const { engine, config } = gallery.require();
  if (!image) throw new Error('No image: choose, drop or paste one');
  const options = methodOptions();
  setState('running');
  setStatus(`Computing ${options.method} on ${engine.info.backend}…`);
  gallery.setBusy(true);
  timer.start();
  const started = performance.now();
  let steps = 0;
  try {
    // The whole method runs in the worker; progress frames stream back.
    const run = saliency(engine, image, { ...options, frameIntervalMs: 0 }, config);
    for await (const p of run) {
      if (p.step > steps) {
        timer.step('gradient', p.step - steps);
        steps = p.step;
      }
      setStatus(`Computing ${options.method}: ${p.step}/${p.totalSteps}`);
    }
    result = await run;
    const ms = performance.now() - started;
    if (steps === 0) timer.step(options.method);
    render();
    publishResult(engine, result, ms);
    setStatus(
      `${options.method} for ${labelOf(config, result.target)} on ${engine.info.backend} in ${ms.toFixed(0)} ms.`,
    );
    setState('done');
  } finally {
    gallery.setBusy(false);
  }
}

/** Colours of the units in the dictionary picture (Tableau 10). */
const PALETTE = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
] as const;

/**
 * The image with each layer position tinted by the unit (among those that carried the class most)
 * with the largest attribution there, opacity by the activation vector's norm.
 */
function dictionaryPicture(
  source: ImageData,
  d: SemanticDictionary,
  units: readonly number[],
): RgbaImage {
  const out = new Uint8ClampedArray(source.data);
  let peak = 0;
  for (const p of d.positions) peak = Math.max(peak, p.magnitude);
  for (let y = 0; y < source.height; y++) {
    const py = Math.min(d.height - 1, Math.floor((y * d.height) / source.height));
    for (let x = 0; x < source.width; x++) {
      const px = Math.min(d.width - 1, Math.floor((x * d.width) / source.width));
      const p = d.positions[py * d.width + px]!;
      const best = p.attributions?.[0];
      const k = best && best.value > 0 ? units.indexOf(best.channel) : -1;
      const i = (y * source.width + x) * 4;
      if (k < 0 || peak === 0) {
        for (let c = 0; c < 3; c++) out[i + c] = out[i + c]! * 0.35;
        continue;
      }
      const a = 0.25 + 0.6 * (p.magnitude / peak);
      for (let c = 0; c < 3; c++) out[i + c] = out[i + c]! * (1 - a) + PALETTE[k]![c]! * a;
    }
  }
  return { data: out, width: source.width, height: source.height };
}

/** The semantic dictionary of the image at the chosen layer, for the chosen class. */
async function dictionary(): Promise<void> {
  clearError();
  const { engine, config } = gallery.require();
  if (!image) throw new Error('No image: choose, drop or paste one');
  const layer = byId<HTMLSelectElement>('dict-layer').value;
  setState('running');
  setStatus(`Semantic dictionary at ${layer}…`);
  gallery.setBusy(true);
  try {
    const d = await semanticDictionary(engine, image, { layer, target: target(), topK: 1 }, config);
    const top = (d.channelAttribution ?? []).filter((c) => c.value > 0).slice(0, PALETTE.length);
    const units = top.map((c) => c.channel);
    drawImage('view-dictionary', dictionaryPicture(image, d, units));
    // Each unit that carried the class, with its feature visualization (one batched run).
    const grid = byId('dictionary-units');
    const canvases = top.map((c, k) => {
      const figure = document.createElement('figure');
      const canvas = document.createElement('canvas');
      canvas.width = 48;
      canvas.height = 48;
      const caption = document.createElement('figcaption');
      caption.textContent = `#${c.channel} · ${c.value.toFixed(2)}`;
      caption.style.borderLeft = `12px solid rgb(${PALETTE[k]!.join(',')})`;
      figure.append(canvas, caption);
      return { figure, canvas };
    });
    grid.replaceChildren(...canvases.map((c) => c.figure));
    publish('semanticDictionary', {
      layer,
      target: d.target,
      height: d.height,
      width: d.width,
      units,
      attribution: d.channelAttribution?.slice(0, 10),
      best: d.positions.map((p) => p.attributions?.[0]?.channel ?? -1),
    });
    if (units.length > 0) {
      const run = unitVisualization(
        engine,
        undefined,
        {
          objective: units.map(
            (channel): UnitObjective => ({ kind: 'channel', tensor: layer, channel }),
          ),
          size: [48, 48],
          steps: 24,
          seed: 1,
        },
        config,
      );
      rgbToImages(await run).forEach((picture, k) => {
        const canvas = canvases[k]!.canvas;
        canvas.width = picture.width;
        canvas.height = picture.height;
        canvas
          .getContext('2d')
          ?.putImageData(
            new ImageData(
              picture.data as Uint8ClampedArray<ArrayBuffer>,
              picture.width,
              picture.height,
            ),
            0,
            0,
          );
      });
    }
    publish('semanticDictionaryUnits', units.length);
    setStatus(
      `Semantic dictionary of ${layer} for ${labelOf(config, d.target ?? 0)}: ${units.length} units carried it most.`,
    );
    setState('done');
  } finally {
    gallery.setBusy(false);
  }
}

function publishResult(engine: RuntimeEngine, r: SaliencyResult, ms: number): void {
  publish('saliency', {
    backend: engine.info.backend,
    method: r.method,
    target: r.target,
    width: r.map.width,
    height: r.map.height,
    absolute: Array.from(signPart(r.map, 'absolute').data),
    gradient: r.gradient ? Array.from(r.gradient.data) : [],
    ms,
  });
}

function updateCode(): void {
  const options = methodOptions();
  const d = display();
  const { target: t, ...rest } = options;
  const extra = Object.entries(rest)
    .filter(([k]) => k !== 'method')
    .map(([k, v]) => `, ${k}: ${JSON.stringify(v)}`)
    .join('');
  byId('code').textContent = `import { saliency } from '@fv/core';
import { createEngine } from '@fv/runtime';
import { colorize, overlay } from '@fv/viz';

const engine = await createEngine({ model: '${gallery.modelSource}', backend: '${gallery.backendChoice}' });
// engine.info.backend → '${gallery.engine?.info.backend ?? '…'}'
${
  gallery.engine?.info.config
    ? '// A model folder: its preprocessing and labels are engine.info.config, no config needed.'
    : `const config = ${JSON.stringify({ ...(gallery.config ? { input: gallery.config.input, logits: gallery.config.logits, scale: gallery.config.scale, mean: gallery.config.mean, std: gallery.config.std } : {}) })};`
}
const image = /* ImageData of '${imageName}' */;
const { map } = await saliency(engine, image, { method: '${options.method}', target: ${JSON.stringify(t)}${extra} }${gallery.engine?.info.config ? '' : ', config'});
const heat = colorize(map, { sign: 'absolute', normalize: '${d.normalize}'${d.colormap ? `, colormap: '${d.colormap}'` : ''} });
const picture = overlay(image, map, { sign: '${d.sign}', alpha: ${d.alpha}, normalize: '${d.normalize}' });`;
}

function showMethodOptions(): void {
  const method = byId<HTMLSelectElement>('method').value;
  for (const label of document.querySelectorAll<HTMLElement>('label[data-for]')) {
    label.hidden = !(label.dataset.for ?? '').split(' ').includes(method);
  }
}

start(async () => {
  fillSelect(byId<HTMLSelectElement>('colormap'), ['', ...colormapNames]);
  byId<HTMLSelectElement>('colormap').options[0]!.text = 'by sign (Captum)';
  showMethodOptions();
  const form = byId<HTMLFormElement>('controls');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    compute().catch((error) => (isAbort(error) ? setState('stopped') : showError(error)));
  });
  form.addEventListener('input', (event) => {
    if ((event.target as HTMLElement).id === 'method') byId('method').dataset.touched = '1';
    showMethodOptions();
    updateCode();
  });
  for (const id of ['colormap', 'normalize', 'sign', 'alpha']) {
    byId(id).addEventListener('input', () => {
      try {
        render();
      } catch (error) {
        showError(error);
      }
    });
  }
  byId('dictionary').addEventListener('click', () => {
    dictionary().catch((error) => (isAbort(error) ? setState('stopped') : showError(error)));
  });
  byId('download').addEventListener('click', () => {
    if (!rendered || !image) return;
    const original = { data: image.data, width: image.width, height: image.height };
    downloadPng(
      composeGrid(
        [
          { image: rendered.overlay, title: 'overlay' },
          ...rendered.panels.map((p, i) => ({
            image: p,
            title: ['absolute', 'positive', 'negative'][i] ?? '',
          })),
        ],
        { columns: 4 },
      ),
      `saliency-${result?.method ?? 'map'}.png`,
    );
    void original;
  });
  await gallery.init();
  await gallery.initImages();
});

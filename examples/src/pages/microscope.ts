// Unit microscope: each channel of a layer visualized from noise (@fv/core's unit
// visualization; every optimization step is one gradient call in @fv/runtime's worker). The
// grid fills in unit by unit; clicking a unit renders it larger, with its centre-neuron variant.
// Dropped images give each unit its dataset examples (@fv/core's datasetExamples, the whole pass
// in the worker): the crops, at the receptive field from @fv/autodiff, of the images whose
// strongest position excites the unit most.
import { receptiveField } from '@fv/autodiff';
import {
  datasetExamples,
  FvError,
  type LayerExamples,
  type PixelRegion,
  type RgbaImage,
  rgbToImages,
  type UnitObjective,
  unitVisualization,
} from '@fv/core';
import type { RuntimeEngine } from '@fv/runtime';
import {
  byId,
  channelsOf,
  clearError,
  decodeImageFiles,
  drawImage,
  fillSelect,
  Gallery,
  isAbort,
  type NamedImage,
  numberValue,
  publish,
  StepTimer,
  setState,
  setStatus,
  showError,
  start,
  visualLayers,
} from '../common.js';

let controller: AbortController | undefined;
const timer = new StepTimer();
/** The images dropped or chosen for dataset examples. */
let dataset: readonly NamedImage[] = [];
/** The grid's cells: the layer they show and, per channel, the unit's canvases. */
let cells:
  | { layer: string; units: Map<number, { canvas: HTMLCanvasElement; crops: HTMLCanvasElement }> }
  | undefined;

const gallery = new Gallery({
  onEngine(engine) {
    const layers = visualLayers(engine);
    fillSelect(byId<HTMLSelectElement>('layer'), layers, layers[Math.floor(layers.length / 2)]);
    cells = undefined;
    updateCode();
  },
  onImages(images) {
    useDataset(images);
  },
});

function useDataset(images: readonly NamedImage[]): void {
  dataset = images;
  byId('dataset-count').textContent =
    `${images.length} image${images.length === 1 ? '' : 's'}: ${images
      .slice(0, 3)
      .map((i) => i.name)
      .join(', ')}${images.length > 3 ? ', …' : ''}`;
  setStatus(`${images.length} images ready for dataset examples.`);
}

async function visualize(
  engine: RuntimeEngine,
  objective: UnitObjective,
  size: number,
  onFrame: (image: RgbaImage, step: number, total: number) => void,
): Promise<void> {
  const { config } = gallery.require();
  // The whole optimization runs in the worker; preview frames stream back.
  const frames = unitVisualization(
    engine,
    undefined,
    {
      objective,
      size: [size, size],
      steps: numberValue('steps', 32),
      seed: 1,
      frameIntervalMs: 50,
      ...(controller ? { signal: controller.signal } : {}),
    },
    config,
  );
  let step = 0;
  for await (const frame of frames) {
    timer.step('step', frame.step - step);
    step = frame.step;
    onFrame(rgbToImages(frame.rgb)[0]!, frame.step, frame.totalSteps);
  }
}

function units(): { layer: string; channels: number[] } {
  const layer = byId<HTMLSelectElement>('layer').value;
  const first = numberValue('first', 0);
  const count = numberValue('count', 8);
  const available = gallery.engine ? channelsOf(gallery.engine, layer) : undefined;
  const last = available === undefined ? first + count : Math.min(first + count, available);
  return {
    layer,
    channels: Array.from({ length: Math.max(0, last - first) }, (_, i) => first + i),
  };
}

async function run(): Promise<void> {
  clearError();
  const { engine } = gallery.require();
  const { layer, channels } = units();
  if (channels.length === 0) throw new Error(`No channels to show in ${layer}`);
  const size = numberValue('size', 48);
  const grid = gridCells(layer, channels, size);
  controller = new AbortController();
  setState('running');
  gallery.setBusy(true);
  byId<HTMLButtonElement>('stop').disabled = false;
  timer.start();
  try {
    for (let i = 0; i < channels.length; i++) {
      const channel = channels[i]!;
      const cell = grid.get(channel)!;
      await visualize(
        engine,
        { kind: 'channel', tensor: layer, channel },
        size,
        (image, step, total) => {
          const context = cell.canvas.getContext('2d');
          if (context) {
            cell.canvas.width = image.width;
            cell.canvas.height = image.height;
            context.putImageData(
              new ImageData(
                image.data as Uint8ClampedArray<ArrayBuffer>,
                image.width,
                image.height,
              ),
              0,
              0,
            );
          }
          setStatus(`Unit ${i + 1}/${channels.length} (channel ${channel}): step ${step}/${total}`);
        },
      );
      publish('unitsDone', i + 1);
    }
    setStatus(`${channels.length} units of ${layer} on ${engine.info.backend}.`);
    setState('done');
  } finally {
    controller = undefined;
    gallery.setBusy(false);
    byId<HTMLButtonElement>('stop').disabled = true;
  }
}

/** The grid's cells for `channels` of `layer` (kept while the layer and channels stay). */
function gridCells(
  layer: string,
  channels: readonly number[],
  size: number,
): Map<number, { canvas: HTMLCanvasElement; crops: HTMLCanvasElement }> {
  const same =
    cells?.layer === layer &&
    cells.units.size === channels.length &&
    channels.every((c) => cells!.units.has(c));
  if (same) return cells!.units;
  const units = new Map<number, { canvas: HTMLCanvasElement; crops: HTMLCanvasElement }>();
  const buttons = channels.map((channel) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('aria-label', `Channel ${channel}: render larger`);
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const caption = document.createElement('span');
    caption.textContent = `#${channel}`;
    const crops = document.createElement('canvas');
    crops.className = 'crops';
    crops.width = 0;
    crops.height = 0;
    crops.setAttribute('aria-label', `Dataset examples of channel ${channel}`);
    button.append(canvas, caption, crops);
    button.addEventListener('click', () => void detail(layer, channel).catch(report));
    units.set(channel, { canvas, crops });
    return button;
  });
  byId('grid').replaceChildren(...buttons);
  cells = { layer, units };
  return units;
}

/** A region of an image, fitted into a `size`×`size` square of a strip canvas at slot `slot`. */
function drawCrop(
  strip: CanvasRenderingContext2D,
  image: ImageData,
  region: PixelRegion,
  slot: number,
  size: number,
): void {
  const source = document.createElement('canvas');
  source.width = image.width;
  source.height = image.height;
  source.getContext('2d')?.putImageData(image, 0, 0);
  const scale = size / Math.max(region.width, region.height, 1);
  const w = region.width * scale;
  const h = region.height * scale;
  strip.imageSmoothingEnabled = false;
  strip.drawImage(
    source,
    region.x,
    region.y,
    region.width,
    region.height,
    slot * (size + 2) + (size - w) / 2,
    (size - h) / 2,
    w,
    h,
  );
}

/** Dataset examples of the selected layer over the dropped images, drawn under each unit. */
async function findExamples(): Promise<void> {
  clearError();
  const { engine, config } = gallery.require();
  if (dataset.length === 0) {
    throw new FvError('INVALID_ARGUMENT', 'No images: choose or drop a few dozen first');
  }
  const { layer, channels } = units();
  if (channels.length === 0) throw new Error(`No channels to show in ${layer}`);
  const grid = gridCells(layer, channels, numberValue('size', 48));
  const field = receptiveField(await gallery.modelBytes(), layer, {
    input: config.input,
    inputSize: [config.height, config.width],
    layout: config.layout,
  });
  const topK = 4;
  controller = new AbortController();
  setState('running');
  gallery.setBusy(true);
  byId<HTMLButtonElement>('stop').disabled = false;
  timer.start();
  const started = performance.now();
  try {
    // One request: the whole pass runs in the worker; a frame after every batch streams back.
    const run = datasetExamples(
      engine,
      dataset.map(({ name, image }) => ({ id: name, image })),
      {
        layers: [layer],
        receptiveFields: { [layer]: field },
        topK,
        signal: controller.signal,
        frameIntervalMs: 0,
      },
      config,
    );
    let frames = 0;
    for await (const frame of run) {
      frames++;
      setStatus(`Dataset examples: ${frame.step}/${frame.totalSteps} images through ${layer}`);
    }
    const index = await run;
    const examples = index.layers[0] as LayerExamples;
    const images = new Map(dataset.map((d) => [d.name, d.image]));
    const size = 32;
    for (const [channel, cell] of grid) {
      const list = examples.units[channel]?.topPositions ?? [];
      cell.crops.width = Math.max(1, list.length * (size + 2) - 2);
      cell.crops.height = size;
      const context = cell.crops.getContext('2d');
      if (!context) continue;
      for (const [slot, e] of list.entries()) {
        drawCrop(context, images.get(e.image)!, e.region, slot, size);
      }
      cell.crops.title = list.map((e) => `${e.image}: ${e.value.toFixed(3)}`).join('\n');
    }
    const ms = performance.now() - started;
    publish('datasetExamples', {
      layer,
      images: index.images.length,
      frames,
      receptiveField: field,
      units: channels.map((channel) => ({
        channel,
        topPositions: examples.units[channel]?.topPositions ?? [],
        top: examples.units[channel]?.top ?? [],
      })),
      ms,
    });
    setStatus(
      `Dataset examples of ${channels.length} units of ${layer} over ${index.images.length} images in ${ms.toFixed(0)} ms (${engine.info.backend}).`,
    );
    setState('done');
  } finally {
    controller = undefined;
    gallery.setBusy(false);
    byId<HTMLButtonElement>('stop').disabled = true;
  }
}

async function detail(layer: string, channel: number): Promise<void> {
  clearError();
  const { engine } = gallery.require();
  const panel = byId('detail');
  panel.hidden = false;
  byId('detail-caption').textContent = `${layer} channel ${channel}`;
  const size = Math.min(2 * numberValue('size', 48), 128);
  controller = new AbortController();
  setState('running');
  timer.start();
  try {
    await visualize(engine, { kind: 'channel', tensor: layer, channel }, size, (image) =>
      drawImage('detail-channel', image),
    );
    await visualize(engine, { kind: 'neuron', tensor: layer, channel }, size, (image) =>
      drawImage('detail-neuron', image),
    );
    setState('done');
  } finally {
    controller = undefined;
  }
}

function report(error: unknown): void {
  if (isAbort(error)) {
    setStatus('Stopped.');
    setState('stopped');
  } else showError(error);
}

function updateCode(): void {
  const { layer, channels } = units();
  byId('code').textContent = `import { rgbToImages, unitVisualization } from '@fv/core';

// engine: await createEngine({ model: '${gallery.modelSource}', backend: '${gallery.backendChoice}' })
// config: the model's ModelConfig (normalization, layout)
for (const channel of ${JSON.stringify(channels)}) {
  const run = unitVisualization(engine, undefined, {
    objective: { kind: 'channel', tensor: '${layer}', channel },
    size: [${numberValue('size', 48)}, ${numberValue('size', 48)}],
    steps: ${numberValue('steps', 32)},
  }, config);
  for await (const frame of run) draw(rgbToImages(frame.rgb)[0]); // fills in step by step
}

// Dataset examples of the dropped images (the whole pass in the worker; a frame per batch):
import { receptiveField } from '@fv/autodiff';
import { datasetExamples } from '@fv/core';
const field = receptiveField(modelBytes, '${layer}');
const index = await datasetExamples(engine, images /* [{ id, image: ImageData }] */, {
  layers: ['${layer}'],
  receptiveFields: { '${layer}': field },
  topK: 4,
}, config);
index.layers[0].units[${channels[0] ?? 0}].topPositions; // [{ image, value, y, x, region }, …]`;
}

start(async () => {
  const form = byId<HTMLFormElement>('controls');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run().catch(report);
  });
  form.addEventListener('input', updateCode);
  byId('stop').addEventListener('click', () => controller?.abort());
  byId('examples').addEventListener('click', () => void findExamples().catch(report));
  byId<HTMLInputElement>('dataset-files').addEventListener('change', (event) => {
    const files = [...((event.target as HTMLInputElement).files ?? [])];
    if (files.length === 0) return;
    decodeImageFiles(files).then(useDataset, showError);
  });
  await gallery.init();
});

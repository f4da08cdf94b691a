// Unit microscope: each channel of a layer visualized from noise (@fv/core's unit
// visualization; every optimization step is one gradient call in @fv/runtime's worker). The
// grid fills in unit by unit; clicking a unit renders it larger, with its centre-neuron variant.
import { type Tensor, type UnitObjective, unitVisualization } from '@fv/core';
import type { RuntimeEngine } from '@fv/runtime';
import type { RgbaImage } from '@fv/viz';
import {
  byId,
  channelsOf,
  clearError,
  drawImage,
  fillSelect,
  Gallery,
  isAbort,
  numberValue,
  publish,
  StepTimer,
  setState,
  setStatus,
  showError,
  start,
  unitNormalization,
  visualLayers,
} from '../common.js';

let controller: AbortController | undefined;
const timer = new StepTimer();

const gallery = new Gallery({
  onEngine(engine) {
    const layers = visualLayers(engine);
    fillSelect(byId<HTMLSelectElement>('layer'), layers, layers[Math.floor(layers.length / 2)]);
    updateCode();
  },
});

/** An NCHW [0, 1] RGB tensor (first batch item) as RGBA pixels. */
function rgbToImage(rgb: Tensor, index = 0): RgbaImage {
  const [, c = 3, h = 1, w = 1] = rgb.dims;
  const data = new Uint8ClampedArray(w * h * 4);
  const base = index * c * h * w;
  for (let p = 0; p < w * h; p++) {
    for (let k = 0; k < 3; k++) {
      data[p * 4 + k] = 255 * (rgb.data[base + (c === 1 ? 0 : k) * h * w + p] ?? 0);
    }
    data[p * 4 + 3] = 255;
  }
  return { data, width: w, height: h };
}

async function visualize(
  engine: RuntimeEngine,
  objective: UnitObjective,
  size: number,
  onFrame: (image: RgbaImage, step: number, total: number) => void,
): Promise<void> {
  const { config } = gallery.require();
  const frames = unitVisualization(engine, {
    objective,
    inputNormalization: unitNormalization(config),
    size: [size, size],
    steps: numberValue('steps', 32),
    seed: 1,
    ...(controller ? { signal: controller.signal } : {}),
  });
  for await (const frame of frames) {
    timer.step('step');
    onFrame(rgbToImage(frame.rgb), frame.step, frame.totalSteps);
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
  const grid = byId('grid');
  const cells = channels.map((channel) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('aria-label', `Channel ${channel}: render larger`);
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const caption = document.createElement('span');
    caption.textContent = `#${channel}`;
    button.append(canvas, caption);
    button.addEventListener('click', () => void detail(layer, channel).catch(report));
    return { button, canvas };
  });
  grid.replaceChildren(...cells.map((c) => c.button));
  controller = new AbortController();
  setState('running');
  byId<HTMLButtonElement>('run').disabled = true;
  byId<HTMLButtonElement>('stop').disabled = false;
  timer.start();
  try {
    for (let i = 0; i < channels.length; i++) {
      const channel = channels[i]!;
      const cell = cells[i]!;
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
    byId<HTMLButtonElement>('run').disabled = false;
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
  byId('code').textContent = `import { unitVisualization } from '@fv/core';

// engine: await createEngine({ model: '${gallery.modelSource}', backend: '${gallery.backendChoice}' })
for (const channel of ${JSON.stringify(channels)}) {
  for await (const frame of unitVisualization(engine, {
    objective: { kind: 'channel', tensor: '${layer}', channel },
    inputNormalization: ${JSON.stringify(gallery.config ? unitNormalization(gallery.config) : {})},
    size: [${numberValue('size', 48)}, ${numberValue('size', 48)}],
    steps: ${numberValue('steps', 32)},
  })) draw(frame.rgb); // [0, 1] RGB, fills in step by step
}`;
}

start(async () => {
  const form = byId<HTMLFormElement>('controls');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run().catch(report);
  });
  form.addEventListener('input', updateCode);
  byId('stop').addEventListener('click', () => controller?.abort());
  await gallery.init();
});

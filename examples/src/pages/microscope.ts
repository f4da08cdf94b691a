// Unit microscope: each channel of a layer visualized from noise (@fv/core's unit
// visualization; every optimization step is one gradient call in @fv/runtime's worker). The
// grid fills in unit by unit; clicking a unit renders it larger, with its centre-neuron variant.
import { type RgbaImage, rgbToImages, type UnitObjective, unitVisualization } from '@fv/core';
import type { RuntimeEngine } from '@fv/runtime';
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
  gallery.setBusy(true);
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

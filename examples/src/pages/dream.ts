// Deep Dream studio: gradient ascent on a layer (or one channel) of the model, octave by octave,
// run inside @fv/runtime's worker; preview frames stream back and are drawn as they arrive. Stop
// aborts the request; the final image downloads as PNG and the frames as an animated PNG.
import {
  type DreamFrame,
  type DreamObjective,
  deepDream,
  imageToTensor,
  type RgbaImage,
  type Tensor,
  tensorToImage,
} from '@fv/core';
import { encodeApng, resizeImage } from '@fv/viz';
import {
  byId,
  channelsOf,
  clearError,
  download,
  downloadPng,
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

let image: ImageData | undefined;
let frames: RgbaImage[] = [];
let controller: AbortController | undefined;
const timer = new StepTimer();

const gallery = new Gallery({
  onEngine(engine) {
    const layers = visualLayers(engine);
    // A middle layer dreams best: early ones give textures, late ones objects.
    fillSelect(byId<HTMLSelectElement>('layer'), layers, layers[Math.floor(layers.length / 2)]);
    updateCode();
  },
  onImage(next) {
    image = next;
    drawImage('view-dream', next);
  },
});

function objective(): DreamObjective {
  const tensor = byId<HTMLSelectElement>('layer').value;
  const channel = byId<HTMLInputElement>('channel').value;
  return channel === ''
    ? { kind: 'layer', tensor }
    : { kind: 'channel', tensor, channel: Number(channel) };
}

function settings() {
  return {
    octaves: numberValue('octaves', 2),
    octaveScale: numberValue('octave-scale', 1.4),
    steps: numberValue('steps', 8),
    stepSize: numberValue('step-size', 0.05),
    jitter: numberValue('jitter', 8),
  };
}

async function dream(): Promise<void> {
  clearError();
  const { engine, config } = gallery.require();
  if (!image) throw new Error('No start image: choose or drop one');
  const o = objective();
  const c = o.kind === 'channel' ? channelsOf(engine, o.tensor) : undefined;
  if (o.kind === 'channel' && c !== undefined && o.channel >= c) {
    throw new Error(`Channel ${o.channel} is out of range: ${o.tensor} has ${c} channels`);
  }
  const start = imageToTensor(image, config).tensor;
  const { width, height } = { width: config.width, height: config.height };
  frames = [];
  controller = new AbortController();
  const { signal } = controller;
  let received = 0;
  setState('running');
  gallery.setBusy(true);
  byId<HTMLButtonElement>('stop').disabled = false;
  timer.start();
  const total = settings().octaves * settings().steps;
  setStatus(`Dreaming on ${engine.info.backend}: 0/${total}`);
  const show = (tensor: Tensor, caption: string) => {
    let rgba: RgbaImage = tensorToImage(tensor, config);
    if (rgba.width !== width || rgba.height !== height) rgba = resizeImage(rgba, width, height);
    drawImage('view-dream', rgba);
    byId('frame-caption').textContent = caption;
    return rgba;
  };
  try {
    const onFrame = (frame: DreamFrame) => {
      received += 1;
      publish('dreamFramesReceived', received);
      // Frames already on their way when Stop was pressed are not drawn.
      if (signal.aborted) return;
      timer.step('step');
      const caption = `octave ${frame.octave + 1}/${frame.octaves}, step ${frame.step}/${frame.totalSteps}, objective ${frame.value.toFixed(3)}`;
      frames.push(show(frame.image, caption));
      publish('dreamFrames', frames.length);
      setStatus(`Dreaming on ${engine.info.backend}: ${frame.step}/${frame.totalSteps}`);
    };
    // The whole loop runs in the worker (one request); preview frames stream back.
    const run = deepDream(
      engine,
      start,
      { objective: o, ...settings(), seed: 1, signal, frameIntervalMs: 50 },
      config,
    );
    for await (const frame of run) onFrame(frame);
    const result: Tensor = await run;
    frames.push(show(result, 'final'));
    publish('dreamFrames', frames.length);
    setStatus(`Done: ${frames.length} frames on ${engine.info.backend}.`);
    setState('done');
  } catch (error) {
    if (!isAbort(error)) throw error;
    setStatus(`Stopped after ${frames.length} frames.`);
    setState('stopped');
  } finally {
    controller = undefined;
    gallery.setBusy(false);
    byId<HTMLButtonElement>('stop').disabled = true;
    const any = frames.length > 0;
    byId<HTMLButtonElement>('download').disabled = !any;
    byId<HTMLButtonElement>('download-apng').disabled = !any;
  }
}

function updateCode(): void {
  byId('code').textContent = `import { createEngine } from '@fv/runtime';
import { deepDream, imageToTensor, resolveModelConfig, tensorToImage } from '@fv/core';

const engine = await createEngine({ model: '${gallery.modelSource}', backend: '${gallery.backendChoice}' });
const config = resolveModelConfig(engine.info, /* model's ModelConfig */);
const start = imageToTensor(image, config).tensor;
const controller = new AbortController(); // stopButton.onclick = () => controller.abort();
for await (const frame of deepDream(engine, start, {
  objective: ${JSON.stringify(objective())},
  range: config.valueRange,
  ...${JSON.stringify(settings())},
  signal: controller.signal,
})) draw(tensorToImage(frame.image, config)); // each step's gradient runs in the worker
});`;
}

start(async () => {
  const form = byId<HTMLFormElement>('controls');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    dream().catch(showError);
  });
  form.addEventListener('input', updateCode);
  byId('stop').addEventListener('click', () => controller?.abort());
  byId('download').addEventListener('click', () => {
    const last = frames.at(-1);
    if (last) downloadPng(last, 'deep-dream.png');
  });
  byId('download-apng').addEventListener('click', () => {
    if (frames.length > 0) download(encodeApng(frames, { delay: 120 }), 'deep-dream.png');
  });
  await gallery.init();
  await gallery.initImages();
});

// Class visualization: an image optimized from noise to raise one class score (@fv/core's class
// visualization; each step is one gradient call in @fv/runtime's worker), drawn as it forms.
import { classVisualization, type RgbaImage, tensorToImage } from '@fv/core';
import {
  byId,
  clearError,
  downloadPng,
  drawImage,
  Gallery,
  isAbort,
  numberValue,
  publish,
  StepTimer,
  setState,
  setStatus,
  showError,
  start,
} from '../common.js';

let controller: AbortController | undefined;
let last: RgbaImage | undefined;
const timer = new StepTimer();

const gallery = new Gallery({
  onEngine(_engine, config) {
    const list = byId('class-list');
    const labels = config.labels ?? [];
    list.replaceChildren(...labels.map((label, i) => new Option(`${i}: ${label}`)));
    const input = byId<HTMLInputElement>('class-name');
    if (!input.value) {
      const espresso = labels.findIndex((l) => /espresso/i.test(l));
      const index = Math.max(espresso, 0);
      input.value = labels[index] !== undefined ? `${index}: ${labels[index]}` : String(index);
    }
    updateCode();
  },
});

function classIndex(): number {
  const text = byId<HTMLInputElement>('class-name').value.trim();
  const number = Number.parseInt(text, 10);
  if (Number.isInteger(number)) return number;
  const labels = gallery.config?.labels ?? [];
  const found = labels.findIndex((l) => l.toLowerCase().includes(text.toLowerCase()));
  if (found < 0) throw new Error(`No class matches '${text}': type an index or part of a label`);
  return found;
}

// The page's controls are those of Simonyan et al.'s pixel-space method (fast: a preview in a few
// seconds); the library's default is Lucid's pipeline (`method: 'lucid'`, 512 steps).
function settings() {
  return {
    method: 'simonyan' as const,
    steps: numberValue('steps', 60),
    learningRate: numberValue('learning-rate', 25),
    l2: numberValue('l2', 0.001),
    blurEvery: numberValue('blur-every', 10),
  };
}

async function run(): Promise<void> {
  clearError();
  const { engine, config } = gallery.require();
  const index = classIndex();
  controller = new AbortController();
  setState('running');
  gallery.setBusy(true);
  byId<HTMLButtonElement>('stop').disabled = false;
  timer.start();
  try {
    // The whole optimization runs in the worker; preview frames stream back.
    const frames = classVisualization(
      engine,
      undefined,
      { classIndex: index, ...settings(), seed: 1, signal: controller.signal, frameIntervalMs: 50 },
      config,
    );
    let step = 0;
    for await (const frame of frames) {
      timer.step('step', frame.step - step);
      step = frame.step;
      last = tensorToImage(frame.image, config);
      drawImage('view-class', last);
      byId('frame-caption').textContent =
        `step ${frame.step}/${frame.totalSteps}, score ${frame.value.toFixed(2)}`;
      publish('classSteps', frame.step);
    }
    setStatus(`Class ${index} (${config.labels?.[index] ?? '?'}) on ${engine.info.backend}.`);
    setState('done');
  } catch (error) {
    if (!isAbort(error)) throw error;
    setStatus('Stopped.');
    setState('stopped');
  } finally {
    controller = undefined;
    gallery.setBusy(false);
    byId<HTMLButtonElement>('stop').disabled = true;
    byId<HTMLButtonElement>('download').disabled = last === undefined;
  }
}

function updateCode(): void {
  let index: number | string;
  try {
    index = classIndex();
  } catch {
    index = '?';
  }
  byId('code').textContent = `import { classVisualization, tensorToImage } from '@fv/core';

// engine: await createEngine({ model: '${gallery.modelSource}', backend: '${gallery.backendChoice}' })
// config: resolveModelConfig(engine.info, modelConfig)
for await (const frame of classVisualization(engine, undefined, {
  classIndex: ${index},
  ...${JSON.stringify(settings())},
}, config)) draw(tensorToImage(frame.image, config));`;
}

start(async () => {
  const form = byId<HTMLFormElement>('controls');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run().catch(showError);
  });
  form.addEventListener('input', updateCode);
  byId('stop').addEventListener('click', () => controller?.abort());
  byId('download').addEventListener('click', () => {
    if (last) downloadPng(last, 'class-visualization.png');
  });
  await gallery.init();
});

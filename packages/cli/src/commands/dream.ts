// `fv dream MODEL IMAGE --layer NAME --out dream.png [--frames dream.apng]`: Deep Dream in the
// worker; `fv visualize` (channel units) and `fv classviz` (a class: Lucid's pipeline by default,
// or Simonyan et al.'s pixel-space ascent) from core's loops.
import {
  classVisualization,
  deepDream,
  FvError,
  imageToTensor,
  type RgbaImage,
  rgbToImages,
  type Tensor,
  tensorToImage,
  type UnitObjective,
  type UnitVisualizationResult,
  unitVisualization,
} from '@fv/core';
import { composeGrid, encodeApng, encodePng, resizeImage } from '@fv/viz';
import { readImage, writeFileAtomic } from '../files.js';
import {
  checkLayer,
  labelOf,
  type ModelFlags,
  parseTarget,
  resolveModel,
  withSession,
} from '../model.js';
import { parseNumber } from '../options.js';
import { elapsed, printJson, println } from '../output.js';
import { progressEnabled, startProgress } from '../progress.js';

/** A non-negative number flag (an integer with `integer`), `fallback` when not given. */
function num(value: string | undefined, flag: string, fallback: number, integer = false): number {
  return parseNumber(value, flag, { integer, min: 0 }) ?? fallback;
}

function requireOut(out: string | undefined, ext = '.png'): string {
  if (!out) throw new FvError('INVALID_ARGUMENT', `--out FILE${ext} is required`);
  return out;
}

export interface DreamOptions extends ModelFlags {
  readonly layer?: string;
  readonly channel?: string;
  readonly octaves?: string;
  readonly octaveScale?: string;
  readonly steps?: string;
  readonly stepSize?: string;
  readonly jitter?: string;
  readonly seed?: string;
  readonly resize?: string;
  readonly out?: string;
  readonly frames?: string;
  readonly frameDelay?: string;
  readonly json?: boolean;
}

export async function dream(modelPath: string, imagePath: string, o: DreamOptions): Promise<void> {
  const out = requireOut(o.out);
  if (!o.layer) throw new FvError('INVALID_ARGUMENT', '--layer NAME is required');
  const layer = o.layer;
  const model = await resolveModel(modelPath, o);
  checkLayer(model, layer);
  const channel = o.channel === undefined ? undefined : num(o.channel, '--channel', 0, true);
  const source = readImage(imagePath);
  await withSession(model, async (session) => {
    const { engine, config } = session;
    let width = source.width;
    let height = source.height;
    const resize = o.resize === undefined ? undefined : num(o.resize, '--resize', 0, true);
    if (resize) {
      const k = resize / Math.max(width, height);
      width = Math.max(1, Math.round(width * k));
      height = Math.max(1, Math.round(height * k));
    }
    const { tensor } = imageToTensor(source, { ...config, width, height });
    const octaves = num(o.octaves, '--octaves', 4, true);
    const steps = num(o.steps, '--steps', 10, true);
    const frames: RgbaImage[] = [];
    const enabled = progressEnabled(o.json);
    const bar = startProgress('dream', octaves * steps, enabled);
    const start = performance.now();
    let result: Tensor;
    try {
      const run = deepDream(
        engine,
        tensor,
        {
          objective:
            channel === undefined
              ? { kind: 'layer', tensor: layer }
              : { kind: 'channel', tensor: layer, channel },
          octaves,
          octaveScale: num(o.octaveScale, '--octave-scale', 1.4),
          steps,
          ...(o.stepSize !== undefined ? { stepSize: num(o.stepSize, '--step-size', 0) } : {}),
          jitter: num(o.jitter, '--jitter', 32, true),
          seed: num(o.seed, '--seed', 0, true),
          frameIntervalMs: o.frames ? 0 : 250,
        },
        config,
      );
      for await (const frame of run) {
        bar.setTotal(frame.totalSteps);
        bar.update(frame.step, `octave ${frame.octave + 1}/${frame.octaves}`);
        if (o.frames) frames.push(resizeImage(tensorToImage(frame.image, config), width, height));
      }
      result = await run;
    } finally {
      bar.stop();
    }
    const ms = elapsed(start);
    const picture = tensorToImage(result, config);
    writeFileAtomic(out, encodePng(picture));
    if (o.frames) {
      const delay = num(o.frameDelay, '--frame-delay', 80, true);
      writeFileAtomic(o.frames, encodeApng([tensorToImage(tensor, config), ...frames], { delay }));
    }
    if (o.json)
      printJson({ out, frames: o.frames ?? null, frameCount: frames.length, width, height, ms });
    else
      println(
        `${out}: Deep Dream of ${layer}${channel !== undefined ? ` channel ${channel}` : ''}, ${width}×${height}, ${ms} ms` +
          (o.frames ? `; ${frames.length + 1} frames → ${o.frames}` : ''),
      );
  });
}

/** `0-15`, `3`, `1,4,9` or `0-3,8` as a list of channel indices. */
export function parseChannels(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m)
      throw new FvError(
        'INVALID_ARGUMENT',
        `--channels must look like 0-15 or 1,4,9, got '${text}'`,
      );
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new FvError('INVALID_ARGUMENT', `Channel range ${part} is empty`);
    for (let c = a; c <= b; c++) out.push(c);
  }
  return out;
}

export interface VisualizeOptions extends ModelFlags {
  readonly layer?: string;
  readonly channel?: string;
  readonly channels?: string;
  /** Side of the optimized image (not the model input size, which comes from the model). */
  readonly size?: string;
  readonly steps?: string;
  readonly learningRate?: string;
  readonly seed?: string;
  readonly columns?: string;
  readonly out?: string;
  readonly json?: boolean;
}

export async function visualize(modelPath: string, o: VisualizeOptions): Promise<void> {
  const out = requireOut(o.out);
  if (!o.layer) throw new FvError('INVALID_ARGUMENT', '--layer NAME is required');
  if ((o.channel === undefined) === (o.channels === undefined)) {
    throw new FvError('INVALID_ARGUMENT', 'Give one of --channel C or --channels 0-15');
  }
  const layer = o.layer;
  const channels =
    o.channel !== undefined ? [num(o.channel, '--channel', 0, true)] : parseChannels(o.channels!);
  const { size: sizeText, ...flags } = o;
  const model = await resolveModel(modelPath, flags);
  checkLayer(model, layer);
  await withSession(model, async (session) => {
    const { engine, config } = session;
    const size = num(sizeText, '--size', 128, true);
    const steps = num(o.steps, '--steps', 512, true);
    const bar = startProgress('visualize', steps, progressEnabled(o.json));
    const start = performance.now();
    let rgb: UnitVisualizationResult;
    try {
      const run = unitVisualization(
        engine,
        undefined,
        {
          objective: channels.map(
            (channel): UnitObjective => ({ kind: 'channel', tensor: layer, channel }),
          ),
          size: [size, size],
          steps,
          seed: num(o.seed, '--seed', 0, true),
          ...(o.learningRate !== undefined
            ? { optimizer: { learningRate: num(o.learningRate, '--learning-rate', 0.05) } }
            : {}),
          frameIntervalMs: 250,
        },
        config,
      );
      for await (const p of run) bar.update(p.step, `objective ${p.value.toPrecision(4)}`);
      rgb = await run;
    } finally {
      bar.stop();
    }
    const ms = elapsed(start);
    const images = rgbToImages(rgb);
    const picture =
      images.length === 1
        ? images[0]!
        : composeGrid(
            images.map((image, i) => ({ image, title: `${channels[i]}` })),
            { columns: num(o.columns, '--columns', Math.ceil(Math.sqrt(images.length)), true) },
          );
    writeFileAtomic(out, encodePng(picture));
    const units = rgb.outcomes.map((outcome, i) => ({ channel: channels[i]!, ...outcome }));
    if (o.json) printJson({ out, layer, channels, size, steps, ms, units });
    else {
      println(
        `${out}: ${channels.length} unit${channels.length > 1 ? 's' : ''} of ${layer}, ${size}×${size}, ${steps} steps, ${ms} ms`,
      );
      for (const u of units) {
        if (u.dead) {
          println(
            `  unit ${u.channel}: never fired on the transformed image (dead on ${u.deadSteps} of ${steps} steps): its picture shows nothing it responds to`,
          );
        } else if (u.redirectedSteps > 0) {
          println(
            `  unit ${u.channel}: did not fire on ${u.deadSteps} step${u.deadSteps > 1 ? 's' : ''}; redirected ReLU gradients started it`,
          );
        }
      }
    }
  });
}

export interface ClassVizOptions extends ModelFlags {
  readonly target?: string;
  readonly method?: string;
  readonly steps?: string;
  readonly learningRate?: string;
  readonly imageSize?: string;
  readonly seed?: string;
  readonly out?: string;
  readonly minDisplay?: string;
  readonly json?: boolean;
}

export async function classviz(modelPath: string, o: ClassVizOptions): Promise<void> {
  const out = requireOut(o.out);
  const method = o.method ?? 'lucid';
  if (method !== 'lucid' && method !== 'simonyan') {
    throw new FvError('INVALID_ARGUMENT', `--method must be lucid or simonyan, got '${method}'`);
  }
  if (method === 'simonyan' && o.imageSize !== undefined) {
    throw new FvError(
      'INVALID_ARGUMENT',
      '--image-size applies to --method lucid (simonyan works at the model input size)',
    );
  }
  const model = await resolveModel(modelPath, o);
  const target = parseTarget(model, o.target, false) as number;
  await withSession(model, async (session) => {
    const { engine, config } = session;
    const steps = num(o.steps, '--steps', method === 'lucid' ? 512 : 100, true);
    const seed = num(o.seed, '--seed', 0, true);
    const bar = startProgress('classviz', steps, progressEnabled(o.json));
    const start = performance.now();
    let image: Tensor;
    try {
      const run = classVisualization(
        engine,
        undefined,
        method === 'lucid'
          ? {
              classIndex: target,
              steps,
              seed,
              ...(o.imageSize !== undefined
                ? {
                    size: [
                      num(o.imageSize, '--image-size', 128, true),
                      num(o.imageSize, '--image-size', 128, true),
                    ] as const,
                  }
                : {}),
              ...(o.learningRate !== undefined
                ? { optimizer: { learningRate: num(o.learningRate, '--learning-rate', 0.05) } }
                : {}),
              frameIntervalMs: 250,
            }
          : {
              method: 'simonyan',
              classIndex: target,
              steps,
              seed,
              ...(o.learningRate !== undefined
                ? { learningRate: num(o.learningRate, '--learning-rate', 25) }
                : {}),
              frameIntervalMs: 250,
            },
        config,
      );
      for await (const p of run) bar.update(p.step, `score ${p.value.toPrecision(4)}`);
      image = await run;
    } finally {
      bar.stop();
    }
    const ms = elapsed(start);
    let picture = tensorToImage(image, config);
    // The logit of the picture as a user would feed it (resized to the model's input size).
    const input = imageToTensor(picture, config).tensor;
    const logits = (await engine.forward(input, { outputs: [config.logits] }))[config.logits]!.data;
    const score = logits[target] as number;
    const minDisplay = num(o.minDisplay, '--min-display', 0, true);
    const k = Math.max(1, Math.ceil(minDisplay / Math.max(picture.width, picture.height)));
    if (k > 1) picture = resizeImage(picture, picture.width * k, picture.height * k);
    writeFileAtomic(out, encodePng(picture));
    const label = labelOf(config, target);
    if (o.json) printJson({ out, target, label, method, score, steps, ms });
    else
      println(
        `${out}: class ${target} (${label}), ${method}, logit ${score.toFixed(2)}, ${steps} steps, ${ms} ms`,
      );
  });
}

// `fv microscope` end to end (the CLI as a user runs it, in a subprocess) on MobileNetV2 from the
// shared models, two layers, over the shared photos plus images generated here (mirrored and
// cropped photos, synthetic shapes and stripes); quick: the default model and its samples. Next
// to the site's time per pass, the same run measures plain engine calls on the same model
// (before and after, interleaved with the site build), so each pass is also given as a ratio:
// index pass / one forward per image, unit pictures / their gradient calls, image summaries /
// one layer gradient per image and layer. A rerun on the finished site times resuming.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { imageToTensor, resolveModelConfig } from '@fv/core';
import { createEngine } from '@fv/runtime';
import { createImage, decodeImage, encodePng, resizeImage } from '@fv/viz';
import { modelsDir, repoRoot, summarize } from './util.mjs';

const cli = join(repoRoot, 'packages/cli/dist/cli.js');

/** The benchmark's model, images and settings. */
function setup(quick) {
  const shared = modelsDir();
  if (quick || !shared) {
    return {
      name: 'default model (shapes10)',
      model: join(repoRoot, 'models/default/shapes10.onnx'),
      flags: [],
      config: JSON.parse(readFileSync(join(repoRoot, 'models/default/shapes10.fv.json'), 'utf8')),
      photos: readdirSync(join(repoRoot, 'models/default/samples'))
        .sort()
        .slice(0, 2)
        .map((f) => join(repoRoot, 'models/default/samples', f)),
      layers: ['conv2', 'block2/Add'],
      channels: '0-1',
      vizSteps: 4,
      size: 64,
    };
  }
  return {
    name: 'MobileNetV2 224',
    model: join(shared, 'imagenet/mobilenet_v2_1.0_224.onnx'),
    flags: [
      '--preset',
      'tf-mobilenet',
      '--labels',
      join(shared, 'imagenet/imagenet_labels_1001.txt'),
    ],
    config: { colorOrder: 'RGB', scale: 1, mean: [128, 128, 128], std: [128, 128, 128] },
    photos: readdirSync(join(shared, 'images'))
      .sort()
      .map((f) => join(shared, 'images', f)),
    layers: [
      'MobilenetV2/expanded_conv_3/expand/Relu6',
      'MobilenetV2/expanded_conv_6/expand/Relu6',
    ],
    channels: '0-3',
    vizSteps: 64,
    size: 224,
  };
}

/**
 * Writes the photos (at most twice `size` on the longer side), each also mirrored and
 * centre-cropped, plus as many synthetic pictures of discs and stripes, as PNGs into `dir`.
 */
export function writeImages(photos, dir, size) {
  const out = [];
  const save = (name, image) => {
    const path = join(dir, `${name}.png`);
    writeFileSync(path, encodePng(image));
    out.push(path);
  };
  photos.forEach((path) => {
    const name = basename(path).replace(/\.[a-z]+$/i, '');
    const image = decodeImage(new Uint8Array(readFileSync(path)));
    const scale = Math.min(1, (2 * size) / Math.max(image.width, image.height));
    const small = resizeImage(
      image,
      Math.max(1, Math.round(image.width * scale)),
      Math.max(1, Math.round(image.height * scale)),
    );
    save(name, small);
    const mirrored = createImage(small.width, small.height);
    const crop = createImage(Math.ceil(small.width * 0.6), Math.ceil(small.height * 0.6));
    for (let y = 0; y < small.height; y++) {
      for (let x = 0; x < small.width; x++) {
        const s = (y * small.width + x) * 4;
        mirrored.data.set(
          small.data.subarray(s, s + 4),
          (y * small.width + small.width - 1 - x) * 4,
        );
        const cx = x - Math.floor(small.width * 0.2);
        const cy = y - Math.floor(small.height * 0.2);
        if (cx >= 0 && cy >= 0 && cx < crop.width && cy < crop.height) {
          crop.data.set(small.data.subarray(s, s + 4), (cy * crop.width + cx) * 4);
        }
      }
    }
    save(`${name}-mirrored`, mirrored);
    save(`${name}-crop`, crop);
  });
  for (let k = 0; k < photos.length; k++) {
    const image = createImage(size, size, '#808080');
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const p = (y * size + x) * 4;
        const stripe = Math.sin(((x + y * (k % 2)) * (k + 2) * Math.PI) / size) > 0;
        const disc = (x - size * (0.3 + 0.1 * k)) ** 2 + (y - size / 2) ** 2 < (size / 5) ** 2;
        const rgb = disc ? [220, 40 * k, 40] : stripe ? [30, 60 + 40 * k, 200] : [240, 230, 210];
        image.data.set([...rgb, 255], p);
      }
    }
    save(`synthetic-${k}`, image);
  }
  return out;
}

/** Median per-call time of plain engine forwards (one per image) and logit gradients. */
async function baseline(modelPath, config, images, reps) {
  const engine = await createEngine({
    model: new Uint8Array(readFileSync(modelPath)),
    backend: 'wasm',
  });
  try {
    const resolved = resolveModelConfig(engine.info, config);
    const inputs = images.map(
      (p) => imageToTensor(decodeImage(new Uint8Array(readFileSync(p))), resolved).tensor,
    );
    await engine.gradient(inputs[0], { kind: 'logit', output: resolved.logits }, { seed: 0 });
    const forward = [];
    const gradient = [];
    for (let r = 0; r < reps; r++) {
      for (const input of inputs) {
        let t = performance.now();
        await engine.forward(input, { outputs: [resolved.logits] });
        forward.push(performance.now() - t);
        t = performance.now();
        await engine.gradient(input, { kind: 'logit', output: resolved.logits }, { seed: 0 });
        gradient.push(performance.now() - t);
      }
    }
    return { forwardMs: summarize(forward), gradientMs: summarize(gradient) };
  } finally {
    await engine.dispose();
  }
}

export async function benchMicroscope({ quick, log }) {
  const s = setup(quick);
  const work = mkdtempSync(join(tmpdir(), 'fv-bench-microscope-'));
  try {
    const dir = join(work, 'images');
    mkdirSync(dir);
    const images = writeImages(s.photos, dir, s.size);
    const site = join(work, 'site');
    const args = [
      cli,
      'microscope',
      s.model,
      ...s.flags,
      '--images',
      dir,
      '--layers',
      s.layers.join(','),
      '--channels',
      s.channels,
      '--viz-steps',
      String(s.vizSteps),
      '--out',
      site,
      '--json',
    ];
    const reps = quick ? 1 : 2;
    log(`  baseline: forward and gradient of ${s.name} on ${images.length} images`);
    const before = await baseline(s.model, s.config, images, reps);
    log(`  fv microscope: ${images.length} images, ${s.layers.length} layers, units ${s.channels}`);
    let t = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath, args, {
      cwd: repoRoot,
      maxBuffer: 1 << 24,
      env: { ...process.env, FV_NO_PROGRESS: '1' },
    });
    const totalMs = performance.now() - t;
    const run = JSON.parse(stdout);
    t = performance.now();
    const again = JSON.parse(
      (
        await promisify(execFile)(process.execPath, args, {
          cwd: repoRoot,
          maxBuffer: 1 << 24,
          env: { ...process.env, FV_NO_PROGRESS: '1' },
        })
      ).stdout,
    );
    const resumeMs = performance.now() - t;
    const after = await baseline(s.model, s.config, images, reps);
    const forwardMs = (before.forwardMs.median + after.forwardMs.median) / 2;
    const gradientMs = (before.gradientMs.median + after.gradientMs.median) / 2;
    const gradientCalls = run.units * 2 * s.vizSteps;
    const result = {
      model: s.name,
      images: run.images,
      layers: s.layers,
      units: run.units,
      vizSteps: s.vizSteps,
      ms: { ...run.ms, total: totalMs, resume: resumeMs },
      resumeWork: again.work,
      baseline: { before, after },
      ratios: {
        indexPerForward: run.ms.dataset / (run.images * forwardMs),
        unitsPerGradient: run.ms.units / (gradientCalls * gradientMs),
        imagesPerGradient: run.ms.images / (run.images * s.layers.length * gradientMs),
      },
    };
    log(
      `  site in ${(totalMs / 1000).toFixed(1)} s (index ${run.ms.dataset} ms = ${result.ratios.indexPerForward.toFixed(2)}× one forward per image; units ${run.ms.units} ms = ${result.ratios.unitsPerGradient.toFixed(2)}× their gradient calls); resume ${(resumeMs / 1000).toFixed(1)} s`,
    );
    return result;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

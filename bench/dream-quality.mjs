// How vivid and how robust fv's unit and class visualizations are, measured on MobileNetV2 (shared
// models) for fv's default pipeline against the pipeline it replaced, in the same run, and
// optionally against reference images from Lucent (tools/lucent_reference.py), all scored by one
// evaluator written here, independently of the code under test:
//
//   node bench/dream-quality.mjs [--steps 512] [--seeds 0] [--units LAYER:C,C;…] [--classes 286]
//                                [--neurons LAYER:C;…] [--reference DIR] [--out FILE] [--no-docs]
//                                [--quick]
//   node bench/dream-quality.mjs --report RESULTS.json   (docs/dream.md's tables from a results file)
//   node bench/dream-quality.mjs --dead-units [--steps 32] [--seeds 0,1,2,3] [--channels 0-31]
//                                [--confirm-steps 512] [--layers expanded_conv_3,expanded_conv_10]
//
// Pipelines: `default` (Lucid's standard_transforms sampled as a chain with Lucent's conventions,
// redirected ReLU warm-up), `composed` (the pipeline before: one composed affine sampling, grey
// fill, no redirection) and, for classes, `simonyan` (the previous `fv classviz`: pixel-space
// ascent, CS231n defaults, 100 steps, 224 × 224).
//
// Scores of each final image (8-bit RGB, as saved): the objective (channel mean or logit) on the
// image as shown (the model run at the image's own size, input dims made free), upsampled to 224
// (bilinear, corners aligned, as Lucent feeds it), and averaged over 16 random transforms (Lucid's
// standard_transforms drawn here) at 224 and at 152 (the padded image's own scale: no final
// resize); HSV saturation (mean), luminance contrast (standard deviation of Rec. 601 luma) and
// high-frequency power (mean power of the luma spectrum above 0.25 cycles/pixel). Summaries are
// geometric means over objectives of the ratios default / composed (and / Lucent).
//
// `--dead-units` runs the default pipeline for the first channels of expanded_conv_3/expand/Relu6
// and expanded_conv_10/expand/Relu6 for each seed, `--steps` steps (a 512-step run for 256 images
// would take half a day on wasm); an image still flat then (luminance standard deviation < 0.05)
// is run again for `--confirm-steps`, and the check fails (exit code 1) when that one is flat too.
// The comparison's luminance trajectories show that contrast, once there, does not fade.
//
// Writes bench/results/dream-quality/<timestamp>.json (quick: quick.json), and for full runs the
// generated tables of docs/dream.md and docs/images/dream/quality-comparison.png.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  classVisualization,
  presets,
  resolveModelConfig,
  tensorToImage,
  unitVisualization,
} from '@fv/core';
import { createEngine } from '@fv/runtime';
import { composeGrid, decodePng, encodePng, resizeImage } from '@fv/viz';
import { ModelProtoSchema } from 'onnx-buf';
import { describeMachine } from './machine.mjs';
import { modelsDir, repoRoot } from './util.mjs';

const log = (...m) => console.error('dream-quality:', ...m);

function parseArgs(argv) {
  const a = {
    steps: undefined,
    seeds: undefined,
    units:
      'MobilenetV2/expanded_conv_3/expand/Relu6:7,20,63,120;MobilenetV2/expanded_conv_10/expand/Relu6:3,17,42,101',
    classes: '286',
    neurons: 'MobilenetV2/expanded_conv_10/expand/Relu6:42',
    channels: '0-31',
    layers: 'expanded_conv_3,expanded_conv_10',
    confirmSteps: 512,
    deadUnits: false,
    quick: false,
    docs: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => argv[++i];
    if (k === '--steps') a.steps = Number(v());
    else if (k === '--seeds') a.seeds = v().split(',').map(Number);
    else if (k === '--units') a.units = v();
    else if (k === '--classes') a.classes = v();
    else if (k === '--neurons') a.neurons = v();
    else if (k === '--channels') a.channels = v();
    else if (k === '--layers') a.layers = v();
    else if (k === '--confirm-steps') a.confirmSteps = Number(v());
    else if (k === '--reference') a.reference = v();
    else if (k === '--out') a.out = v();
    else if (k === '--dead-units') a.deadUnits = true;
    else if (k === '--quick') a.quick = true;
    else if (k === '--no-docs') a.docs = false;
    else if (k === '--report') a.report = v();
    else throw new Error(`dream-quality: unknown argument ${k}`);
  }
  return a;
}

// ------------------------------------------------------------------ image statistics

/** Rec. 601 luma of an RGBA image, in [0, 1]. */
function luma(img) {
  const n = img.width * img.height;
  const y = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const d = img.data;
    y[p] = (0.299 * d[4 * p] + 0.587 * d[4 * p + 1] + 0.114 * d[4 * p + 2]) / 255;
  }
  return y;
}

function sd(xs) {
  let s = 0;
  let s2 = 0;
  for (const v of xs) {
    s += v;
    s2 += v * v;
  }
  const m = s / xs.length;
  return Math.sqrt(Math.max(0, s2 / xs.length - m * m));
}

/** Mean HSV saturation: (max − min) / max per pixel (0 for black). */
function saturation(img) {
  const n = img.width * img.height;
  let s = 0;
  for (let p = 0; p < n; p++) {
    const r = img.data[4 * p];
    const g = img.data[4 * p + 1];
    const b = img.data[4 * p + 2];
    const max = Math.max(r, g, b);
    s += max > 0 ? (max - Math.min(r, g, b)) / max : 0;
  }
  return s / n;
}

/** 1-D DFT of every row (stride 1) or column of a complex array, in place (direct, O(n²)). */
function dftAxis(re, im, h, w, axis) {
  const n = axis === 0 ? w : h;
  const cos = Float64Array.from({ length: n }, (_, k) => Math.cos((-2 * Math.PI * k) / n));
  const sin = Float64Array.from({ length: n }, (_, k) => Math.sin((-2 * Math.PI * k) / n));
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  const lines = axis === 0 ? h : w;
  for (let l = 0; l < lines; l++) {
    const at = (i) => (axis === 0 ? l * w + i : i * w + l);
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let i = 0; i < n; i++) {
        const t = (k * i) % n;
        const xr = re[at(i)];
        const xi = im[at(i)];
        sr += xr * cos[t] - xi * sin[t];
        si += xr * sin[t] + xi * cos[t];
      }
      outRe[k] = sr;
      outIm[k] = si;
    }
    for (let k = 0; k < n; k++) {
      re[at(k)] = outRe[k];
      im[at(k)] = outIm[k];
    }
  }
}

/**
 * High-frequency power of the luma: Σ |Y(f)|² / N² over radial frequencies above 0.25
 * cycles/pixel (Parseval: the variance those frequencies carry).
 */
function highFrequencyPower(img) {
  const { width: w, height: h } = img;
  const y = luma(img);
  let mean = 0;
  for (const v of y) mean += v / y.length;
  const re = Float64Array.from(y, (v) => v - mean);
  const im = new Float64Array(y.length);
  dftAxis(re, im, h, w, 0);
  dftAxis(re, im, h, w, 1);
  const n2 = (w * h) ** 2;
  let p = 0;
  for (let ky = 0; ky < h; ky++) {
    const fy = (ky <= h / 2 ? ky : ky - h) / h;
    for (let kx = 0; kx < w; kx++) {
      const fx = (kx <= w / 2 ? kx : kx - w) / w;
      if (Math.hypot(fx, fy) > 0.25) p += (re[ky * w + kx] ** 2 + im[ky * w + kx] ** 2) / n2;
    }
  }
  return p;
}

// ------------------------------------------------------------------ evaluation transforms

/** mulberry32, so that every image is scored under the same transforms. */
function rngOf(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Planar float image [3, h, w] → [3, oh, ow]: out(y, x) = in(map(y, x)), bilinear, `fill`
 * outside.
 */
function warp(src, h, w, oh, ow, map, fill) {
  const out = new Float32Array(3 * oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const [sy, sx] = map(y, x);
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const fy = sy - y0;
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const at = (yy, xx) =>
          yy >= 0 && yy < h && xx >= 0 && xx < w ? src[c * h * w + yy * w + xx] : fill;
        out[c * oh * ow + y * ow + x] =
          (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
          fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
      }
    }
  }
  return out;
}

/** Bilinear resize with corners aligned (PyTorch `align_corners=True`). */
function resizeAligned(src, h, w, oh, ow) {
  const ky = oh > 1 ? (h - 1) / (oh - 1) : 0;
  const kx = ow > 1 ? (w - 1) / (ow - 1) : 0;
  return warp(src, h, w, oh, ow, (y, x) => [y * ky, x * kx], 0);
}

/**
 * One draw of Lucid's standard_transforms (pad 12 with 0.5, translate 0…7, scale 1 + (i − 5)/50,
 * rotate −10…10° (plus five 0°), translate 0…3; black brought in), then a resize to `size` when
 * given. Returns the transformed image and its size.
 */
function standardTransforms(src, h, w, rand, size) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  let x = warp(src, h, w, h + 24, w + 24, (y, xx) => [y - 12, xx - 12], 0.5);
  let [ch, cw] = [h + 24, w + 24];
  const translate = (d) => {
    const dx = Math.floor(rand() * d);
    const dy = Math.floor(rand() * d);
    x = warp(x, ch, cw, ch, cw, (y, xx) => [y - dy, xx - dx], 0);
  };
  translate(8);
  const s = pick(Array.from({ length: 11 }, (_, i) => 1 + (i - 5) / 50));
  const [sh, sw] = [Math.ceil(s * ch), Math.ceil(s * cw)];
  const [py, px] = [Math.max(0, Math.ceil((ch - sh) / 2)), Math.max(0, Math.ceil((cw - sw) / 2))];
  const ky = (ch - 1) / (sh - 1);
  const kx = (cw - 1) / (sw - 1);
  x = warp(x, ch, cw, sh + 2 * py, sw + 2 * px, (y, xx) => [(y - py) * ky, (xx - px) * kx], 0);
  [ch, cw] = [sh + 2 * py, sw + 2 * px];
  const a =
    (pick([...Array.from({ length: 21 }, (_, i) => i - 10), 0, 0, 0, 0, 0]) * Math.PI) / 180;
  const [cy, cx] = [(ch - 1) / 2, (cw - 1) / 2];
  x = warp(
    x,
    ch,
    cw,
    ch,
    cw,
    (y, xx) => {
      const [dy, dx] = [y - cy, xx - cx];
      return [cy + Math.cos(a) * dy - Math.sin(a) * dx, cx + Math.sin(a) * dy + Math.cos(a) * dx];
    },
    0,
  );
  translate(4);
  if (size) return { data: resizeAligned(x, ch, cw, size, size), h: size, w: size };
  return { data: x, h: ch, w: cw };
}

// ------------------------------------------------------------------ models

/** The model with free spatial input dims, so that it runs at any size (fully convolutional). */
function freeSizeModel(bytes) {
  const model = fromBinary(ModelProtoSchema, bytes);
  const input = model.graph.input[0];
  const dims = input.type.value.value.shape.dim;
  dims[2] = { ...dims[2], value: { case: 'dimParam', value: 'height' } };
  dims[3] = { ...dims[3], value: { case: 'dimParam', value: 'width' } };
  return toBinary(ModelProtoSchema, model);
}

function planarOf(img) {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let p = 0; p < n; p++)
    for (let c = 0; c < 3; c++) out[c * n + p] = img.data[4 * p + c] / 255;
  return out;
}

function imageOfPlanar(rgb, h, w) {
  const n = h * w;
  const data = new Uint8ClampedArray(4 * n);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) data[4 * p + c] = Math.round(rgb[c * n + p] * 255);
    data[4 * p + 3] = 255;
  }
  return { data, width: w, height: h };
}

/** Objective value of planar RGB [3, h, w] in [0, 1] (MobileNet input: 2·rgb − 1). */
async function objectiveOf(evaluator, objective, rgb, h, w) {
  const data = Float32Array.from(rgb, (v) => 2 * v - 1);
  const name = objective.kind === 'class' ? 'logits' : objective.tensor;
  const out = (await evaluator.forward({ data, dims: [1, 3, h, w] }, { outputs: [name] }))[name];
  if (objective.kind === 'class') return out.data[objective.classIndex];
  const [, , lh, lw] = out.dims;
  const plane = lh * lw;
  if (objective.kind === 'neuron')
    return out.data[objective.channel * plane + Math.floor(lh / 2) * lw + Math.floor(lw / 2)];
  let s = 0;
  for (let i = 0; i < plane; i++) s += out.data[objective.channel * plane + i];
  return s / plane;
}

async function score(evaluator, objective, img, draws) {
  const rgb = planarOf(img);
  const { width: w, height: h } = img;
  const shown = await objectiveOf(evaluator, objective, rgb, h, w);
  const up = await objectiveOf(evaluator, objective, resizeAligned(rgb, h, w, 224, 224), 224, 224);
  const under = async (size) => {
    let s = 0;
    const rand = rngOf(1234);
    for (let k = 0; k < draws; k++) {
      const t = standardTransforms(rgb, h, w, rand, size);
      s += await objectiveOf(evaluator, objective, t.data, t.h, t.w);
    }
    return s / draws;
  };
  return {
    shown,
    upsampled: up,
    transformed224: await under(224),
    transformed152: await under(undefined),
    saturation: saturation(img),
    contrast: sd(luma(img)),
    highFrequency: highFrequencyPower(img),
  };
}

// ------------------------------------------------------------------ runs

const CHECKPOINTS = [8, 16, 32, 64, 128, 256, 512];

/** Runs one visualization; returns the final 8-bit image, timings, luma sd along the way, outcomes. */
async function render(engine, config, objective, pipeline, seed, steps) {
  const started = performance.now();
  const trajectory = [];
  if (pipeline === 'simonyan') {
    const run = classVisualization(
      engine,
      undefined,
      { method: 'simonyan', classIndex: objective.classIndex, seed, frameIntervalMs: 1e9 },
      config,
    );
    const image = await run;
    return {
      image: tensorToImage(image, resolveModelConfig(engine.info, config)),
      ms: performance.now() - started,
      steps: 100,
      trajectory,
    };
  }
  const options = {
    objective,
    steps,
    seed,
    frameIntervalMs: 0,
    ...(pipeline === 'composed'
      ? { transforms: { sampling: 'composed' }, redirectRelu: false }
      : {}),
  };
  const run = unitVisualization(engine, undefined, options, config);
  for await (const f of run) {
    if (CHECKPOINTS.includes(f.step) || f.step === steps) {
      const img = imageOfPlanar(f.rgb.data, f.rgb.dims[2], f.rgb.dims[3]);
      trajectory.push({ step: f.step, value: f.values[0], lumaSd: sd(luma(img)) });
    }
  }
  const result = await run;
  return {
    image: imageOfPlanar(result.data, result.dims[2], result.dims[3]),
    ms: performance.now() - started,
    steps,
    trajectory,
    outcome: result.outcomes[0],
  };
}

function objectivesOf(a) {
  const out = [];
  for (const part of a.units.split(';').filter(Boolean)) {
    const [tensor, channels] = part.split(':');
    for (const c of channels.split(',')) {
      out.push({
        name: `${tensor.split('/')[1]}-${c}`,
        objective: { kind: 'channel', tensor, channel: Number(c) },
      });
    }
  }
  for (const part of a.neurons.split(';').filter(Boolean)) {
    const [tensor, channels] = part.split(':');
    for (const c of channels.split(',')) {
      out.push({
        name: `${tensor.split('/')[1]}-${c}-neuron`,
        objective: { kind: 'neuron', tensor, channel: Number(c) },
      });
    }
  }
  for (const c of a.classes.split(',').filter(Boolean)) {
    out.push({ name: `class-${c}`, objective: { kind: 'class', classIndex: Number(c) } });
  }
  return out;
}

const geomean = (xs) =>
  xs.length ? Math.exp(xs.reduce((s, v) => s + Math.log(v), 0) / xs.length) : Number.NaN;

/** Geometric mean over objectives of a / b per metric (pairs where both are positive). */
function ratios(rows, a, b, metrics) {
  const out = {};
  for (const m of metrics) {
    const rs = [];
    for (const r of rows) {
      const x = r.scores[a]?.[m];
      const y = r.scores[b]?.[m];
      if (x > 0 && y > 0) rs.push(x / y);
    }
    out[m] = { ratio: geomean(rs), n: rs.length };
  }
  return out;
}

const METRICS = [
  'shown',
  'upsampled',
  'transformed224',
  'transformed152',
  'saturation',
  'contrast',
  'highFrequency',
];

async function compare(a, engine, evaluator, config) {
  const steps = a.steps ?? (a.quick ? 8 : 512);
  const seeds = a.seeds ?? [0];
  const draws = a.quick ? 2 : 16;
  // Read when needed: reference images may still be being made.
  const referenceOf = (name, seed) =>
    a.reference
      ? JSON.parse(readFileSync(join(a.reference, 'manifest.json'), 'utf8')).images.find(
          (i) => i.name === name && i.seed === seed,
        )
      : undefined;
  const reference = a.reference !== undefined;
  const rows = [];
  for (const seed of seeds) {
    for (const { name, objective } of objectivesOf(a)) {
      const pipelines =
        objective.kind === 'class' ? ['default', 'composed', 'simonyan'] : ['default', 'composed'];
      // Alternate the order from objective to objective, so that machine load hits both alike.
      if (rows.length % 2) pipelines.reverse();
      const row = { name, seed, objective, runs: {}, scores: {} };
      for (const p of pipelines) {
        const r = await render(engine, config, objective, p, seed, steps);
        row.runs[p] = {
          ms: Math.round(r.ms),
          msPerStep: Math.round((r.ms / r.steps) * 10) / 10,
          trajectory: r.trajectory,
          ...(r.outcome ? { outcome: r.outcome } : {}),
        };
        row.scores[p] = await score(evaluator, objective, r.image, draws);
        row.images ??= {};
        row.images[p] = r.image;
        log(`${name} seed ${seed} ${p}: ${JSON.stringify(row.scores[p])}`);
      }
      const ref = referenceOf(name, seed);
      if (ref) {
        const img = decodePng(new Uint8Array(readFileSync(join(a.reference, ref.file))));
        row.scores.lucent = await score(evaluator, objective, img, draws);
        row.images.lucent = img;
        log(`${name} seed ${seed} lucent: ${JSON.stringify(row.scores.lucent)}`);
      }
      rows.push(row);
    }
  }
  const summary = summaryOf(rows, reference);
  return { steps, seeds, draws, rows, summary };
}

/** Whether a unit fired on the last step of pipeline `p` (always true for runs without outcomes). */
const fires = (row, p) => !row.runs[p]?.outcome?.dead;

/** The ratios the report shows, from the rows of a comparison. */
function summaryOf(rows, reference) {
  const units = rows.filter((r) => r.objective.kind === 'channel');
  const alive = units.filter((r) => fires(r, 'default') && fires(r, 'composed'));
  const neurons = rows.filter((r) => r.objective.kind === 'neuron');
  const classes = rows.filter((r) => r.objective.kind === 'class');
  const vsLucent = (group, a) => (reference ? ratios(group, a, 'lucent', METRICS) : undefined);
  // Contrast along the way (default pipeline): does a picture that has it at step 32 keep it?
  const growth = units
    .map((r) => {
      const t = r.runs.default?.trajectory ?? [];
      const at = (step) => t.find((p) => p.step === step)?.lumaSd;
      return at(32) > 0 && t.length ? t.at(-1).lumaSd / at(32) : undefined;
    })
    .filter((v) => v !== undefined)
    .sort((x, y) => x - y);
  return {
    units: {
      n: units.length,
      defaultVsComposed: ratios(units, 'default', 'composed', METRICS),
      aliveInBoth: { n: alive.length, ...ratios(alive, 'default', 'composed', METRICS) },
      defaultVsLucent: vsLucent(units, 'default'),
      composedVsLucent: vsLucent(units, 'composed'),
      composedAliveVsLucent: vsLucent(alive, 'composed'),
      deadComposed: units
        .filter((r) => !fires(r, 'composed'))
        .map((r) => `${r.name} seed ${r.seed}`),
      deadDefault: units.filter((r) => !fires(r, 'default')).map((r) => `${r.name} seed ${r.seed}`),
      contrastGrowth512Over32: growth.length
        ? { min: growth[0], median: growth[growth.length >> 1], n: growth.length }
        : undefined,
    },
    neurons: {
      n: neurons.length,
      defaultVsComposed: ratios(neurons, 'default', 'composed', METRICS),
      defaultVsLucent: vsLucent(neurons, 'default'),
    },
    classes: {
      n: classes.length,
      defaultVsComposed: ratios(classes, 'default', 'composed', METRICS),
      defaultVsSimonyan: ratios(classes, 'default', 'simonyan', METRICS),
      defaultVsLucent: vsLucent(classes, 'default'),
    },
  };
}

function parseChannels(text) {
  const out = [];
  for (const part of text.split(',')) {
    const [lo, hi = lo] = part.split('-').map(Number);
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}

async function deadUnits(a, engine, config) {
  const steps = a.steps ?? 32;
  const seeds = a.seeds ?? [0, 1, 2, 3];
  const channels = parseChannels(a.channels);
  const layers = a.layers.split(',').map((l) => `MobilenetV2/${l}/expand/Relu6`);
  const rows = [];
  for (const tensor of layers) {
    for (const seed of seeds) {
      for (const channel of channels) {
        const objective = { kind: 'channel', tensor, channel };
        let r = await render(engine, config, objective, 'default', seed, steps);
        let lumaSd = sd(luma(r.image));
        const row = {
          tensor,
          channel,
          seed,
          steps,
          lumaSd,
          outcome: r.outcome,
          ms: Math.round(r.ms),
        };
        if (!(lumaSd >= 0.05) && a.confirmSteps > steps) {
          r = await render(engine, config, objective, 'default', seed, a.confirmSteps);
          lumaSd = sd(luma(r.image));
          Object.assign(row, { confirmed: { steps: a.confirmSteps, lumaSd, outcome: r.outcome } });
        }
        rows.push({ ...row, finalLumaSd: lumaSd });
        log(
          `${tensor.split('/')[1]} ${channel} seed ${seed}: luma sd ${row.lumaSd.toFixed(3)}${row.confirmed ? ` (${steps} steps), ${lumaSd.toFixed(3)} (${a.confirmSteps} steps)` : ''}, ${JSON.stringify(r.outcome)}`,
        );
      }
    }
  }
  const flat = rows.filter((r) => !(r.finalLumaSd >= 0.05));
  return {
    steps,
    confirmSteps: a.confirmSteps,
    seeds,
    channels: a.channels,
    rows,
    flat,
    confirmed: rows.filter((r) => r.confirmed).length,
    minLumaSd: Math.min(...rows.map((r) => r.finalLumaSd)),
    revived: rows.filter((r) => r.outcome?.deadSteps > 0 || r.confirmed?.outcome?.deadSteps > 0)
      .length,
  };
}

// ------------------------------------------------------------------ report

const fmt = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '–');

function markdown(result) {
  const { summary, steps, seeds, draws } = result.comparison;
  const m = result.machine;
  const line = (label, r) => {
    const n = Math.max(...METRICS.map((k) => r[k].n));
    return `| ${label} | ${METRICS.map((k) => `${fmt(r[k].ratio)}${r[k].n < n ? ` (${r[k].n} of ${n})` : ''}`).join(' | ')} |`;
  };
  const head = `|  | as shown | upsampled to 224 | transforms at 224 | transforms at 152 | saturation | contrast | high-frequency power |\n| --- | --- | --- | --- | --- | --- | --- | --- |`;
  const out = [
    '<!-- Generated by bench/dream-quality.mjs: do not edit by hand. -->',
    '',
    `MobileNetV2 (shared models), ${steps} steps at 128 × 128, seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}, objective under transforms averaged over ${draws} draws; ${m.cpu}, ${m.cores} cores (load ${fmt(m.loadAverage1m, 1)}), Node ${m.node}, onnxruntime-web ${m.onnxruntimeWeb} (wasm, 1 thread). Ratios are geometric means over objectives.`,
    '',
    `**Units** (${summary.units.defaultVsComposed.saturation.n} images):`,
    '',
    head,
    line('default / composed (before)', summary.units.defaultVsComposed),
    ...(summary.units.aliveInBoth && summary.units.aliveInBoth.n < summary.units.n
      ? [
          line(
            `default / composed, the ${summary.units.aliveInBoth.n} units that fired in both`,
            summary.units.aliveInBoth,
          ),
        ]
      : []),
    ...(summary.units.defaultVsLucent
      ? [
          line('default / Lucent', summary.units.defaultVsLucent),
          line('composed (before) / Lucent', summary.units.composedVsLucent),
        ]
      : []),
    '',
    ...(summary.units.deadComposed?.length || summary.units.deadDefault?.length
      ? [
          `Units that did not fire on the last step: composed (before): ${summary.units.deadComposed.join(', ') || 'none'}; default: ${summary.units.deadDefault.join(', ') || 'none'}.`,
          '',
        ]
      : []),
    `**Neuron** (${summary.neurons.defaultVsComposed.saturation.n} image${summary.neurons.defaultVsComposed.saturation.n > 1 ? 's' : ''}):`,
    '',
    head,
    line('default / composed (before)', summary.neurons.defaultVsComposed),
    ...(summary.neurons.defaultVsLucent
      ? [line('default / Lucent', summary.neurons.defaultVsLucent)]
      : []),
    '',
    `**Class** (${summary.classes.defaultVsComposed.saturation.n} image${summary.classes.defaultVsComposed.saturation.n > 1 ? 's' : ''}):`,
    '',
    head,
    line('default / composed', summary.classes.defaultVsComposed),
    line("default / 'simonyan' (the previous `fv classviz`)", summary.classes.defaultVsSimonyan),
    ...(summary.classes.defaultVsLucent
      ? [line('default / Lucent', summary.classes.defaultVsLucent)]
      : []),
    '',
  ];
  return out.join('\n');
}

function contactSheet(rows) {
  const order = ['composed', 'default', 'lucent', 'simonyan'];
  const titles = {
    composed: 'before',
    default: 'default',
    lucent: 'Lucent',
    simonyan: 'simonyan',
  };
  const panels = [];
  const seed0 = rows.filter((r) => r.seed === rows[0].seed);
  const cols = order.filter((p) => seed0.some((r) => r.images[p]));
  for (const r of seed0) {
    for (const p of cols) {
      const img = r.images[p];
      panels.push({
        image: img
          ? resizeImage(img, 128, 128)
          : { data: new Uint8ClampedArray(128 * 128 * 4).fill(255), width: 128, height: 128 },
        title: `${r.name} ${titles[p]}`,
      });
    }
  }
  return encodePng(composeGrid(panels, { columns: cols.length }));
}

/** Replaces the generated section of docs/dream.md. */
function writeDocs(md) {
  const doc = join(repoRoot, 'docs/dream.md');
  const text = readFileSync(doc, 'utf8');
  const start = '<!-- dream-quality:start -->';
  const end = '<!-- dream-quality:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`docs/dream.md has no ${start} … ${end} section`);
  writeFileSync(doc, `${text.slice(0, i + start.length)}\n${md}\n${text.slice(j)}`);
}

// ------------------------------------------------------------------ main

const a = parseArgs(process.argv.slice(2));
if (a.report) {
  const saved = JSON.parse(readFileSync(a.report, 'utf8'));
  writeDocs(markdown(saved));
  process.exit(0);
}
const shared = modelsDir();
if (!shared) {
  log('skipped: the shared models folder is absent (set FV_MODELS_DIR)');
  process.exit(0);
}
const bytes = new Uint8Array(readFileSync(join(shared, 'imagenet/mobilenet_v2_1.0_224.onnx')));
const config = { ...presets.tensorflow, logits: 'logits' };
const engine = await createEngine({ model: bytes, backend: 'wasm', numThreads: 1 });
const out = { schema: 1, date: new Date().toISOString(), machine: describeMachine() };
const resultsDir = join(repoRoot, 'bench/results/dream-quality');
mkdirSync(resultsDir, { recursive: true });
const stamp = out.date.replaceAll(':', '-').replaceAll('.', '-');
let failed = false;
try {
  if (a.deadUnits) {
    out.deadUnits = await deadUnits(a, engine, config);
    const d = out.deadUnits;
    log(
      `${d.rows.length} images: min luma sd ${d.minLumaSd.toFixed(3)}, ${d.confirmed} rerun for ${d.confirmSteps} steps, ${d.flat.length} flat (< 0.05), ${d.revived} dead at some step`,
    );
    failed = d.flat.length > 0;
    const file = a.out ?? join(resultsDir, `dead-units-${stamp}.json`);
    writeFileSync(file, `${JSON.stringify(out, null, 1)}\n`);
    log(`wrote ${file}`);
  } else {
    const evaluator = await createEngine({
      model: freeSizeModel(bytes),
      backend: 'wasm',
      numThreads: 1,
    });
    try {
      out.comparison = await compare(a, engine, evaluator, config);
    } finally {
      await evaluator.dispose();
    }
    const sheet = contactSheet(out.comparison.rows);
    for (const r of out.comparison.rows) delete r.images;
    const file = a.out ?? join(resultsDir, a.quick ? 'quick.json' : `${stamp}.json`);
    writeFileSync(file, `${JSON.stringify(out, null, 1)}\n`);
    log(`wrote ${file}`);
    const md = markdown(out);
    console.log(md);
    if (a.docs && !a.quick) {
      writeDocs(md);
      writeFileSync(join(repoRoot, 'docs/images/dream/quality-comparison.png'), sheet);
      log(
        'regenerated docs/dream.md (dream-quality section) and docs/images/dream/quality-comparison.png',
      );
    }
  }
} finally {
  await engine.dispose();
}
process.exit(failed ? 1 : 0);

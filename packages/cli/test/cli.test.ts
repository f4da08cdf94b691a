// The `fv` binary as a subprocess on the committed default model: every command, its files, and
// the bad inputs (one stderr line, non-zero exit, no file left behind).
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeApng, decodePng } from '@fv/viz';
import { beforeAll, describe, expect, test } from 'vitest';
import { readNpy, writeNpy } from '../src/npy.js';
import { defaultModel, defaultModelDir, fixturesDir, fv, samplesDir, tempDir } from './helpers.js';

const T = 240_000;
const sample = join(samplesDir, 'red-disc.png');
const labels: string[] = JSON.parse(
  readFileSync(join(defaultModelDir, 'shapes10.fv.json'), 'utf8'),
).labels;

function png(path: string) {
  return decodePng(new Uint8Array(readFileSync(path)));
}

describe('fv on the default model', () => {
  let out: string;
  beforeAll(() => {
    out = tempDir();
  });

  test('--help lists every command', async () => {
    const r = await fv(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['inspect', 'classify', 'saliency', 'grad', 'dream', 'visualize', 'classviz']) {
      expect(r.stdout).toContain(c);
    }
  });

  test('inspect: inputs, outputs, layers with shapes and op types, no unsupported ops', async () => {
    const text = await fv(['inspect', defaultModel]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/input\s+input\s+float32 \[batch, 3, 64, 64\]/);
    expect(text.stdout).toMatch(/block3\s+Relu\s+\[batch, 64, 8, 8\]/);
    expect(text.stdout).toContain('ops without gradient rules: none');
    const json = JSON.parse((await fv(['inspect', defaultModel, '--json'])).stdout);
    expect(json.outputs[0]).toMatchObject({ name: 'logits', dims: ['batch', 10] });
    expect(json.unsupportedOps).toEqual([]);
    expect(json.config).toMatchObject({ width: 64, height: 64, mean: [0.5, 0.5, 0.5], labels });
    expect(new Set(json.layers.map((l: { opType: string }) => l.opType))).toEqual(
      new Set([
        'Conv',
        'BatchNormalization',
        'Relu',
        'MaxPool',
        'Add',
        'GlobalAveragePool',
        'Flatten',
        'Gemm',
      ]),
    );
  });

  test('inspect --write-config writes the sidecar that later commands read', async () => {
    const dir = tempDir();
    const model = join(dir, 'copy.onnx');
    copyFileSync(defaultModel, model);
    const labelsFile = join(dir, 'names.txt');
    writeFileSync(labelsFile, labels.map((l) => l.toUpperCase()).join('\n'));
    const r = await fv([
      'inspect',
      model,
      '--write-config',
      '--preset',
      'torchvision',
      '--labels',
      labelsFile,
    ]);
    expect(r.code).toBe(0);
    const sidecar = JSON.parse(readFileSync(join(dir, 'copy.fv.json'), 'utf8'));
    expect(sidecar).toMatchObject({
      width: 64,
      height: 64,
      layout: 'NCHW',
      std: [0.229, 0.224, 0.225],
    });
    expect(sidecar.labels[0]).toBe('RED DISC');
    const again = JSON.parse((await fv(['inspect', model, '--json'])).stdout);
    expect(again.sidecar).toBe(join(dir, 'copy.fv.json'));
    expect(again.config.labels[0]).toBe('RED DISC');
  });

  test('classify: a folder as one batch, --top and --json', { timeout: T }, async () => {
    const r = await fv(['classify', defaultModel, samplesDir, '--top', '3', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const results = JSON.parse(r.stdout) as {
      image: string;
      top: { label: string; probability: number }[];
    }[];
    expect(results).toHaveLength(10);
    for (const { image, top } of results) {
      expect(top).toHaveLength(3);
      expect(top[0]!.label.replaceAll(' ', '-')).toBe(image.split('/').pop()!.replace('.png', ''));
      expect(top[0]!.probability).toBeGreaterThan(top[1]!.probability);
    }
  });

  test('saliency: grid and single maps, --colormap, --normalize, --save-npy', {
    timeout: T,
  }, async () => {
    const file = join(out, 'disc.png');
    const r = await fv([
      'saliency',
      defaultModel,
      sample,
      '--target',
      'top',
      '--out',
      file,
      '--maps',
      'grid,absolute,positive',
      '--colormap',
      'inferno',
      '--normalize',
      'percentile:99',
      '--save-npy',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('vanilla for 0 (red disc');
    const grid = png(file);
    expect(grid.width).toBeGreaterThan(4 * 224); // image + three maps, upscaled to ≥ 224 px
    expect(png(join(out, 'disc.absolute.png')).width).toBe(256);
    expect(existsSync(join(out, 'disc.positive.png'))).toBe(true);
    const attribution = readNpy(new Uint8Array(readFileSync(join(out, 'disc.npy'))));
    expect(attribution.shape).toEqual([1, 3, 64, 64]);
    const maps = readNpy(new Uint8Array(readFileSync(join(out, 'disc.maps.npy'))));
    expect(maps.shape).toEqual([3, 64, 64]);
    // absolute = positive + negative, all non-negative
    for (let i = 0; i < 64 * 64; i += 97) {
      const [a, p, n] = [maps.data[i]!, maps.data[4096 + i]!, maps.data[8192 + i]!];
      expect(a).toBeCloseTo(p + n, 6);
      expect(Math.min(a, p, n)).toBeGreaterThanOrEqual(0);
    }
  });

  test('saliency: several images and methods in one call, --json', { timeout: T }, async () => {
    const dir = join(out, 'batch');
    const images = [sample, join(samplesDir, 'striped-disc.png')];
    for (const method of ['smoothgrad', 'grad-cam', 'integrated-gradients']) {
      const r = await fv([
        'saliency',
        defaultModel,
        ...images,
        '--method',
        method,
        '--samples',
        '8',
        '--steps',
        '8',
        '--target',
        '6',
        '--out',
        `${dir}/`,
        '--json',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const results = JSON.parse(r.stdout) as { target: number; files: { grid: string } }[];
      expect(results.map((x) => x.target)).toEqual([6, 6]);
      for (const x of results) expect(png(x.files.grid).height).toBeGreaterThan(224);
    }
    expect(readdirSync(dir).sort()).toEqual([
      'red-disc.grad-cam.png',
      'red-disc.integrated-gradients.png',
      'red-disc.smoothgrad.png',
      'striped-disc.grad-cam.png',
      'striped-disc.integrated-gradients.png',
      'striped-disc.smoothgrad.png',
    ]);
  });

  test('preprocess + grad: the raw gradient equals the vanilla attribution', {
    timeout: T,
  }, async () => {
    const x = join(out, 'x.npy');
    expect((await fv(['preprocess', defaultModel, sample, '--out', x])).code).toBe(0);
    const g = join(out, 'g.npy');
    const r = await fv(['grad', defaultModel, '--input', x, '--target', '0', '--out', g, '--json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).shape).toEqual([1, 3, 64, 64]);
    const grad = readNpy(new Uint8Array(readFileSync(g)));
    const vanilla = join(out, 'vanilla.png');
    await fv([
      'saliency',
      defaultModel,
      sample,
      '--target',
      '0',
      '--maps',
      'none',
      '--save-npy',
      '--out',
      vanilla,
    ]);
    const attribution = readNpy(new Uint8Array(readFileSync(join(out, 'vanilla.npy'))));
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < grad.data.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(grad.data[i]! - attribution.data[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(grad.data[i]!));
    }
    expect(maxAbs).toBeGreaterThan(0);
    expect(maxDiff).toBeLessThan(1e-6 * Math.max(1, maxAbs));
    const layer = await fv([
      'grad',
      defaultModel,
      '--input',
      x,
      '--layer',
      'block3',
      '--channel',
      '5',
      '--out',
      join(out, 'g2.npy'),
    ]);
    expect(layer.stdout).toContain('mean of block3 channel 5');
    expect(readNpy(new Uint8Array(readFileSync(join(out, 'g2.npy')))).shape).toEqual([
      1, 3, 64, 64,
    ]);
  });

  test('dream: the image and its frames as an APNG', { timeout: T }, async () => {
    const file = join(out, 'dream.png');
    const frames = join(out, 'dream.apng');
    const r = await fv([
      'dream',
      defaultModel,
      sample,
      '--layer',
      'block2',
      '--octaves',
      '2',
      '--steps',
      '3',
      '--resize',
      '96',
      '--out',
      file,
      '--frames',
      frames,
      '--seed',
      '1',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const image = png(file);
    expect([image.width, image.height]).toEqual([96, 96]);
    const animation = decodeApng(new Uint8Array(readFileSync(frames)));
    expect(animation.frames).toHaveLength(2 * 3 + 1);
    expect(animation.width).toBe(96);
    const original = png(sample);
    expect(Buffer.from(image.data).equals(Buffer.from(original.data))).toBe(false);
  });

  test('visualize: a grid of channel units; classviz: a class image', { timeout: T }, async () => {
    const units = join(out, 'units.png');
    const r = await fv([
      'visualize',
      defaultModel,
      '--layer',
      'block3',
      '--channels',
      '0-3',
      '--size',
      '32',
      '--steps',
      '8',
      '--out',
      units,
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('4 units of block3, 32×32, 8 steps');
    expect(png(units).width).toBeGreaterThan(64);
    const classFile = join(out, 'class.png');
    const c = await fv([
      'classviz',
      defaultModel,
      '--target',
      'yellow cross',
      '--steps',
      '10',
      '--out',
      classFile,
      '--json',
    ]);
    expect(c.stderr).toBe('');
    expect(JSON.parse(c.stdout)).toMatchObject({
      target: 3,
      label: 'yellow cross',
      method: 'lucid',
      steps: 10,
    });
    // Lucid's 128 × 128 picture; Simonyan's method works at the model's 64 × 64.
    expect(png(classFile).width).toBe(128);
    const s = await fv([
      'classviz',
      defaultModel,
      '--target',
      '3',
      '--method',
      'simonyan',
      '--steps',
      '4',
      '--out',
      classFile,
      '--json',
    ]);
    expect(s.stderr).toBe('');
    expect(JSON.parse(s.stdout)).toMatchObject({ method: 'simonyan', steps: 4 });
    expect(png(classFile).width).toBe(64);
  });
});

describe('fv on bad input', () => {
  const cases: [string, (dir: string) => string[], RegExp][] = [
    [
      'missing model',
      (d) => ['classify', join(d, 'nope.onnx'), sample],
      /Model '.*nope\.onnx' does not exist/,
    ],
    [
      'not an ONNX model',
      (d) => ['saliency', sample, sample, '--out', d],
      /'.*red-disc\.png' is not an ONNX model/,
    ],
    [
      'missing image',
      (d) => ['saliency', defaultModel, join(d, 'nope.png'), '--out', d],
      /Image '.*nope\.png' does not exist/,
    ],
    [
      'not an image',
      () => ['classify', defaultModel, join(defaultModelDir, 'shapes10.fv.json')],
      /shapes10\.fv\.json' is not a PNG or JPEG image \[INVALID_IMAGE\]/,
    ],
    [
      'unknown layer',
      (d) => ['dream', defaultModel, sample, '--layer', 'block9', '--out', join(d, 'x.png')],
      /Unknown layer 'block9'.*\[UNKNOWN_TENSOR\]/,
    ],
    [
      'target out of range',
      (d) => ['saliency', defaultModel, sample, '--target', '10', '--out', d],
      /Target 10 is out of range: the model has 10 classes \(0\.\.9\) \[OUT_OF_RANGE\]/,
    ],
    [
      'unknown label',
      (d) => ['classviz', defaultModel, '--target', 'purple cow', '--out', join(d, 'x.png')],
      /Target 'purple cow' is neither/,
    ],
    [
      'unknown classviz method',
      (d) => [
        'classviz',
        defaultModel,
        '--target',
        '3',
        '--method',
        'cs231n',
        '--out',
        join(d, 'x.png'),
      ],
      /--method must be lucid or simonyan/,
    ],
    [
      'channel out of range',
      (d) => [
        'visualize',
        defaultModel,
        '--layer',
        'block3',
        '--channel',
        '64',
        '--out',
        join(d, 'x.png'),
      ],
      /channel 64 is out of range for 'block3' with 64 channels \(0\.\.63\) \[OUT_OF_RANGE\]/,
    ],
    [
      'unknown method',
      (d) => ['saliency', defaultModel, sample, '--method', 'magic', '--out', d],
      /Unknown method 'magic'/,
    ],
    [
      'a method flag that is not a whole number (the one number parser)',
      (d) => [
        'saliency',
        defaultModel,
        sample,
        '--method',
        'smoothgrad',
        '--samples',
        '2.5',
        '--out',
        d,
      ],
      /--samples must be an integer ≥ 0, got '2\.5' \[INVALID_ARGUMENT\]/,
    ],
    [
      'a command flag out of range (the same parser)',
      () => ['classify', defaultModel, sample, '--top', '0'],
      /--top must be an integer ≥ 1, got '0' \[INVALID_ARGUMENT\]/,
    ],
    [
      'unknown colormap',
      (d) => ['saliency', defaultModel, sample, '--colormap', 'rainbowz', '--out', d],
      /Unknown colormap 'rainbowz'/,
    ],
    [
      'missing required flag',
      (d) => ['dream', defaultModel, sample, '--out', join(d, 'x.png')],
      /required option '--layer <name>'/,
    ],
    [
      'grad input of the wrong shape',
      (d) => {
        writeFileSync(
          join(d, 'in.npy'),
          writeNpy({ data: new Float32Array(3 * 32 * 32), shape: [1, 3, 32, 32] }),
        );
        return [
          'grad',
          defaultModel,
          '--input',
          join(d, 'in.npy'),
          '--target',
          '0',
          '--out',
          join(d, 'g.npy'),
        ];
      },
      /Input 'input' needs shape \[batch, 3, 64, 64\], got \[1, 3, 32, 32\].*\[SHAPE_MISMATCH\]/,
    ],
  ];
  for (const [name, args, message] of cases) {
    test.concurrent(name, { timeout: T }, async () => {
      const dir = tempDir();
      const argv = args(dir);
      const before = readdirSync(dir);
      const r = await fv(argv);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toMatch(message);
      if (!name.startsWith('missing required')) expect(lines).toHaveLength(1);
      expect(readdirSync(dir)).toEqual(before);
    });
  }

  test('unsupported op: one line naming the op, no file', { timeout: T }, async () => {
    const dir = tempDir();
    const model = join(fixturesDir, 'sin-net.onnx');
    const ok = await fv(['classify', model, sample, '--json']);
    expect(ok.code).toBe(0);
    const r = await fv(['saliency', model, sample, '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^fv: error: .*Sin.*\[UNSUPPORTED_OP\]/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

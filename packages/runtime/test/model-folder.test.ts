// Hugging Face / transformers.js model folders: a folder path, a file URL, an HTTP folder URL and a
// set of URLs load with nothing else; the folder's preprocessing (shortest edge 72, centre crop 64,
// mean 0.5, std 0.25) and labels become engine.info.config, which core's loops use without a
// config; dtype picks the variant file; missing or wrong files give INVALID_CONFIG naming the file
// and the field. The folder is the DeiT-style test model of tools/vit_saliency_fixtures.py.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { saliency } from '@fv/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deitFolder, deitLabels, folderVariant } from '../../../test/helpers/model-folder.js';
import { createEngine, type RuntimeEngine, readModelFolder } from '../src/index.js';
import { rejection } from './helpers/errors.js';
import { workerUrl } from './helpers/worker.js';

const deit = deitFolder;
const labels = deitLabels;
const scratch = mkdtempSync(join(tmpdir(), 'fv-folder-'));
const variant = (name: string, edit: Record<string, string | null>) =>
  folderVariant(scratch, name, edit);

/** A 100 × 80 RGBA image: a red square in the middle of a gray field. */
function picture() {
  const width = 100;
  const height = 80;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const inside = Math.abs(x - 50) < 15 && Math.abs(y - 40) < 15;
      data.set(inside ? [220, 30, 30, 255] : [120, 120, 120, 255], (y * width + x) * 4);
    }
  return { data, width, height };
}

let server: Server;
let base: string;
const engines: RuntimeEngine[] = [];
const open = async (model: Parameters<typeof createEngine>[0]['model'], dtype?: 'q8') => {
  const e = await createEngine({
    model,
    backend: 'wasm',
    worker: await workerUrl(),
    ...(dtype ? { dtype } : {}),
  });
  engines.push(e);
  return e;
};

beforeAll(async () => {
  // A static server for the HTTP cases (the fixtures folder).
  const root = fileURLToPath(new URL('../../../test/fixtures/vit-saliency/', import.meta.url));
  server = createServer((request, response) => {
    try {
      const body = readFileSync(
        join(root, decodeURIComponent(new URL(request.url!, 'http://x').pathname)),
      );
      response.writeHead(200, { 'content-length': body.length });
      response.end(body);
    } catch {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  for (const e of engines) await e.dispose();
  await new Promise((resolve) => server.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});

describe('model folders', () => {
  test('a folder path: labels, preprocessing and attention with no config at all', async () => {
    const engine = await open(deit);
    expect(engine.info.config).toMatchObject({
      fit: 'center-crop',
      width: 64,
      height: 64,
      scale: 1 / 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.25, 0.25, 0.25],
      labels: labels,
    });
    expect(engine.info.config?.cropFraction).toBeCloseTo(64 / 72, 12);
    // The export has free height and width; the folder's size fixes them for inspection.
    expect(engine.info.attention).toHaveLength(2);
    expect(engine.info.attention?.[0]?.tokens?.prefix).toEqual(['class', 'distillation']);
    const image = picture();
    const result = await saliency(engine, image, {
      method: 'transformer-attribution',
      target: 'top',
    });
    // The processor's geometry: shortest edge 80 → 72 (s = 0.9), then the centre 64 × 64.
    expect(result.crop?.width).toBeCloseTo(64 / 0.9, 10);
    expect(result.crop?.x).toBeCloseTo((100 - 64 / 0.9) / 2, 10);
    expect([result.map.width, result.map.height]).toEqual([64, 64]);
    expect(result.cam).toMatchObject({ width: 8, height: 8 });
    // The map peaks on the red square, mapped back through the crop.
    let best = 0;
    for (let i = 1; i < 64 * 64; i++) if (result.map.data[i]! > result.map.data[best]!) best = i;
    const [y, x] = [Math.floor(best / 64), best % 64];
    const toSource = (v: number) => v / 0.9;
    expect(Math.abs(toSource(x) + result.crop!.x - 50)).toBeLessThan(20);
    expect(Math.abs(toSource(y) + result.crop!.y - 40)).toBeLessThan(20);
  });

  test('the same folder as a file URL, over HTTP, as a set of URLs and as Files', async () => {
    const local = await open(deit);
    const image = picture();
    const expected = await saliency(local, image, { method: 'attention-rollout', target: 0 });
    for (const model of [
      pathToFileURL(deit),
      `${base}deit/`,
      {
        model: `${base}deit/onnx/model.onnx`,
        config: `${base}deit/config.json`,
        preprocessor: `${base}deit/preprocessor_config.json`,
      },
      // A folder chosen or dropped in a browser: its Files.
      {
        model: new File([readFileSync(join(deit, 'onnx/model.onnx'))], 'model.onnx'),
        config: new File([readFileSync(join(deit, 'config.json'))], 'config.json'),
        preprocessor: new File(
          [readFileSync(join(deit, 'preprocessor_config.json'))],
          'preprocessor_config.json',
        ),
      },
    ]) {
      const engine = await open(model);
      expect(engine.info.config?.labels).toEqual(labels);
      const r = await saliency(engine, image, { method: 'attention-rollout', target: 0 });
      expect(Array.from(r.map.data)).toEqual(Array.from(expected.map.data));
    }
  });

  test('dtype picks the variant file, and a missing one is named with what the folder has', async () => {
    const only = variant('only-q8', {});
    cpSync(join(only, 'onnx', 'model.onnx'), join(only, 'onnx', 'model_quantized.onnx'));
    rmSync(join(only, 'onnx', 'model.onnx'));
    const engine = await open(only, 'q8');
    expect(engine.info.attention).toHaveLength(2);
    const missing = await rejection(open(only));
    expect(missing.code).toBe('INVALID_CONFIG');
    expect(missing.message).toMatch(
      /onnx\/model\.onnx is missing .*dtype 'fp32'.*onnx\/model_quantized\.onnx/,
    );
    const folder = await readModelFolder(only, { dtype: 'q8' });
    expect(folder.files.model).toMatch(/onnx\/model_quantized\.onnx$/);
    const unknown = await rejection(readModelFolder(only, { dtype: 'q3' as 'q8' }));
    expect(unknown).toMatchObject({ code: 'INVALID_ARGUMENT', message: /Unknown dtype 'q3'/ });
  });

  test('missing and wrong files name the file and the field', async () => {
    const cases: [string, Record<string, string | null>, RegExp, string | undefined][] = [
      ['no-config', { 'config.json': null }, /config\.json is missing/, undefined],
      [
        'no-preprocessor',
        { 'preprocessor_config.json': null },
        /preprocessor_config\.json is missing/,
        undefined,
      ],
      [
        'bad-json',
        { 'config.json': '{ "id2label": ' },
        /config\.json is not valid JSON/,
        undefined,
      ],
      [
        'bad-labels',
        { 'config.json': '{ "id2label": { "0": 3 } }' },
        /config\.json: id2label\.0 must be a string/,
        'id2label.0',
      ],
      [
        'bad-size',
        {
          'preprocessor_config.json':
            '{ "size": { "longest_edge": 100 }, "image_mean": [0], "image_std": [1] }',
        },
        /preprocessor_config\.json: size\.longest_edge is not supported/,
        'size.longest_edge',
      ],
    ];
    for (const [name, edit, message, field] of cases) {
      const error = await rejection(open(variant(name, edit)));
      expect(error.code, name).toBe('INVALID_CONFIG');
      expect(error.message, name).toMatch(message);
      const file = Object.keys(edit)[0]!;
      expect(String(error.details?.file), name).toMatch(
        new RegExp(`${name}/${file.replace('.', '\\.')}$`),
      );
      if (field) expect(error.details?.field, name).toBe(field);
    }
    const file = await rejection(
      open({
        model: new File([readFileSync(join(deit, 'onnx/model.onnx'))], 'model.onnx'),
        config: new File(['{ "id2label": [] }'], 'config.json'),
        preprocessor: new File(['{}'], 'preprocessor_config.json'),
      }),
    );
    expect(file).toMatchObject({
      code: 'INVALID_CONFIG',
      message: /^config\.json: id2label must map/,
    });
    const http = await rejection(open(`${base}nothing-here/`));
    expect(http.code).toBe('INVALID_CONFIG');
    expect(http.message).toContain(`${base}nothing-here/onnx/model.onnx is missing`);
  });

  test('a single ONNX file refuses dtype; a call config still wins over the folder', async () => {
    const error = await rejection(
      createEngine({
        model: join(deit, 'onnx', 'model.onnx'),
        dtype: 'q8',
        worker: await workerUrl(),
      }),
    );
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: /dtype chooses a file/ });
    const engine = await open(deit);
    const image = picture();
    const stretched = await saliency(
      engine,
      image,
      { method: 'attention-rollout', target: 0 },
      {
        fit: 'stretch',
        cropFraction: 1,
      },
    );
    expect(stretched.crop).toMatchObject({ x: 0, y: 0, width: 100, height: 80 });
  });
});

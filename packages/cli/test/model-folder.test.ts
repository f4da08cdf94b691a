// `fv` on Hugging Face / transformers.js model folders with no flags: the DeiT-style test folder
// (shortest-edge resize to 72, centre crop 64, id2label) and the default ViT (models/vit):
// classify, inspect (what it read: files, preprocessing, tokens, attention), saliency with the
// transformer methods; missing or wrong files give one `fv: error:` line naming the file and the
// field, exit code 1 and no output file.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { deitFolder, deitLabels, folderVariant } from '../../../test/helpers/model-folder.js';
import { fv, samplesDir, tempDir, vitModel } from './helpers.js';

const deit = deitFolder;
const labels = deitLabels;
const scratch = mkdtempSync(join(tmpdir(), 'fv-cli-folder-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('fv on model folders', () => {
  test('classify: every sample by its label, with no flags, from either folder', async () => {
    for (const model of [deit, vitModel]) {
      const r = await fv(['classify', model, samplesDir, '--top', '1', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const results = JSON.parse(r.stdout) as {
        image: string;
        top: { index: number; label: string }[];
      }[];
      expect(results).toHaveLength(10);
      for (const { image, top } of results) {
        const expected = image
          .replace(/^.*\//, '')
          .replace(/\.png$/, '')
          .replace(/-/g, ' ');
        expect(top[0]!.label, `${model}: ${image}`).toBe(expected);
        expect(labels[top[0]!.index]).toBe(expected);
      }
    }
  });

  test('inspect reports the files, the preprocessing, the tokens and the attention', async () => {
    const r = await fv(['inspect', deit]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`folder  ${deit}/onnx/model.onnx (dtype fp32)`);
    expect(r.stdout).toContain(
      'preprocessing: resize shortest edge to 72, centre crop 64×64, rescale by 0.00392157, normalize with mean [0.5, 0.5, 0.5], std [0.25, 0.25, 0.25]',
    );
    expect(r.stdout).toMatch(/fit center-crop, crop fraction 0\.888889/);
    expect(r.stdout).toContain('tokens  66 × 32: class + distillation + 8×8 patches of 8×8 px');
    expect(r.stdout).toContain('attention  2 Softmax outputs, 2 heads');
    const json = JSON.parse((await fv(['inspect', vitModel, '--json'])).stdout);
    expect(json.folder.files.preprocessor).toBe(`${vitModel}/preprocessor_config.json`);
    expect(json.config).toMatchObject({ fit: 'center-crop', cropFraction: 1, width: 64 });
    expect(json.config.labels).toEqual(labels);
    expect(json.tokens).toMatchObject({ length: 65, channels: 48, rows: 8, cols: 8 });
    expect(json.attention).toHaveLength(4);
  });

  test('saliency: the transformer methods and ViT Grad-CAM write their maps', async () => {
    const out = tempDir();
    for (const method of ['attention-rollout', 'transformer-attribution', 'grad-cam']) {
      const file = join(out, `${method}.png`);
      const r = await fv([
        'saliency',
        deit,
        join(samplesDir, 'red-disc.png'),
        '--method',
        method,
        '--out',
        file,
        '--json',
      ]);
      expect(r.stderr, method).toBe('');
      expect(r.code, method).toBe(0);
      const [result] = JSON.parse(r.stdout) as { label: string; layer?: string }[];
      expect(result!.label).toBe('red disc');
      expect(existsSync(file)).toBe(true);
    }
    const bad = await fv([
      'saliency',
      deit,
      join(samplesDir, 'red-disc.png'),
      '--method',
      'attention-rollout',
      '--token',
      'register',
      '--out',
      join(out, 'never.png'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^fv: error: token must be 'class', 'distillation' or 'mean'/);
    expect(existsSync(join(out, 'never.png'))).toBe(false);
  });

  test('missing and wrong files: one error line naming the file and the field', async () => {
    const cases: [Record<string, string | null>, RegExp][] = [
      [{ 'config.json': null }, /config\.json is missing/],
      [{ 'preprocessor_config.json': null }, /preprocessor_config\.json is missing/],
      [{ 'onnx/model.onnx': null }, /onnx\/model\.onnx is missing \(the model of dtype 'fp32'\)/],
      [
        { 'preprocessor_config.json': '{ "size": { "shortest_edge": 72 }, "image_mean": "0.5" }' },
        /preprocessor_config\.json: image_mean must be a number or a list of numbers/,
      ],
      [{ 'config.json': '{ "id2label": { "zero": "cat" } }' }, /config\.json: id2label key 'zero'/],
    ];
    for (const [k, [edit, message]] of cases.entries()) {
      const dir = folderVariant(scratch, `case-${k}`, edit);
      const r = await fv(['classify', dir, join(samplesDir, 'red-disc.png')]);
      expect(r.code, message.source).toBe(1);
      expect(r.stderr, message.source).toMatch(message);
      expect(r.stderr, message.source).toMatch(/\[INVALID_CONFIG\]\n$/);
      expect(r.stderr.split('\n')).toHaveLength(2);
    }
    const dtype = await fv(['classify', deit, join(samplesDir, 'red-disc.png'), '--dtype', 'q8']);
    expect(dtype.stderr).toMatch(
      /onnx\/model_quantized\.onnx is missing .*the folder has onnx\/model\.onnx/,
    );
  });
});

// `fv evaluate` end to end on the default model: the tables, --json, the pictures, and one
// `fv: error` line with a non-zero exit for bad flags.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng } from '@fv/viz';
import { describe, expect, test } from 'vitest';
import { scoreTable } from '../src/commands/evaluate.js';
import { defaultModel, fv, heldoutDir, tempDir } from './helpers.js';

const images = ['00-blue-triangle.png', '04-magenta-ring.png'].map((f) => join(heldoutDir, f));

interface JsonMethod {
  method: string;
  scores: Record<string, number | null>;
  deletion?: { auc: number; scores: number[] };
  randomization?: { count: number; layer: string; spearmanAbsolute: number | null }[];
}

describe('fv evaluate', () => {
  test('--json: per image and summary scores, cascade points, pictures written', async () => {
    const out = tempDir();
    const r = await fv([
      'evaluate',
      defaultModel,
      ...images,
      '--methods',
      'vanilla,random',
      '--metrics',
      'deletion,randomization',
      '--cascade',
      '3',
      '--out',
      `${out}/`,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as {
      methods: string[];
      metrics: string[];
      cascade: number[];
      images: {
        image: string;
        target: number;
        label: string;
        methods: JsonMethod[];
        files: Record<string, string>;
      }[];
      summary: { method: string; mean: Record<string, number>; sd: Record<string, number> }[];
    };
    expect(result.methods).toEqual(['vanilla', 'random']);
    expect(result.cascade).toEqual([1, 5, 8]);
    expect(result.images.map((i) => i.label)).toEqual(['blue triangle', 'magenta ring']);
    for (const image of result.images) {
      const [vanilla, random] = image.methods as [JsonMethod, JsonMethod];
      expect(vanilla.deletion!.scores).toHaveLength(65);
      expect(vanilla.deletion!.auc).toBeLessThan(random.deletion!.auc);
      expect(vanilla.randomization!.map((s) => s.count)).toEqual([1, 5, 8]);
      expect(random.randomization!.map((s) => s.spearmanAbsolute)).toEqual([1, 1, 1]);
      for (const file of Object.values(image.files)) expect(existsSync(file)).toBe(true);
      const grid = decodePng(new Uint8Array(readFileSync(image.files.randomization!)));
      // Two rows (methods) of image, original and three cascade steps at 96 px (64 enlarged).
      expect(grid.width).toBeGreaterThan(5 * 96);
      expect(grid.height).toBeGreaterThan(2 * 96);
    }
    const [vanilla] = result.summary;
    const mean = (i: number) => result.images[i]!.methods[0]!.scores.deletion!;
    expect(vanilla!.mean.deletion).toBeCloseTo((mean(0) + mean(1)) / 2, 12);
    expect(existsSync(join(out, 'summary.curves.png'))).toBe(true);
  });

  test('text: one table per image and a summary', async () => {
    const r = await fv([
      'evaluate',
      defaultModel,
      ...images,
      '--methods',
      'grad-cam,random',
      '--metrics',
      'insertion,infidelity',
      '--pictures',
      'none',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/00-blue-triangle\.png: class 2 \(blue triangle\)/);
    expect(lines[1]).toMatch(/method\s+insertion AUC ↑\s+infidelity ↓$/);
    expect(lines[2]).toMatch(/^ {2}grad-cam\s+\d\.\d{3}\s+\S+$/);
    expect(lines).toContain('summary: mean over 2 images');
  });

  test.each([
    [['--methods', 'vanilla,magic'], /Unknown method 'magic'/],
    [['--metrics', 'accuracy'], /Unknown metric 'accuracy'/],
    [['--cascade', '0'], /--cascade must be an integer ≥ 1, got '0'/],
    [['--order', 'reverse'], /--order must be one of absolute, positive, signed/],
    [['--out', 'table.png'], /must be a folder/],
  ])('%j is one error line', async (flags, message) => {
    const r = await fv(['evaluate', defaultModel, images[0]!, ...flags]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('evaluate helpers', () => {
  test('tables align columns and show non-finite values as a dash', () => {
    const lines = scoreTable(
      [
        { method: 'vanilla', scores: { deletion: 0.0571, randomizationAbsolute: Number.NaN } },
        { method: 'random', scores: { deletion: 0.25, randomizationAbsolute: 1 } },
      ],
      ['deletion', 'randomization'],
      '',
    );
    expect(lines[1]).toMatch(/^vanilla\s+0\.057\s+—\s+—$/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { createHistogram, type Histogram } from '../../src/microscope/histogram.js';
import { createRng } from '../../src/random.js';

function histogramOf(chunks: readonly number[][], bins: number): Histogram {
  const h = createHistogram(bins);
  for (const chunk of chunks) {
    h.extend(Math.min(...chunk), Math.max(...chunk));
    h.add(chunk, 0, chunk.length);
  }
  return h.finish();
}

describe('mergeable histogram', () => {
  const rng = createRng(3);
  const values = Array.from({ length: 2000 }, (_, i) =>
    i % 7 === 0 ? 0 : (rng.next() - 0.3) * 10 * (1 + (i % 5)),
  );

  it('counts every value in the bin ⌊v / width⌋, with the finest power-of-two width that fits', () => {
    const h = histogramOf([values], 64);
    const min = Math.min(...values);
    const max = Math.max(...values);
    expect(Math.log2(h.binWidth) % 1).toBe(0);
    expect(h.counts.length).toBeLessThanOrEqual(64);
    // the next finer width would need more than 64 bins
    const finer = h.binWidth / 2;
    expect(Math.floor(max / finer) - Math.floor(min / finer) + 1).toBeGreaterThan(64);
    // an independent count
    const expected = new Map<number, number>();
    for (const v of values) {
      const bin = Math.floor(v / h.binWidth);
      expected.set(bin, (expected.get(bin) ?? 0) + 1);
    }
    h.counts.forEach((c, i) => {
      expect(c, `bin ${h.first + i}`).toBe(expected.get(h.first + i) ?? 0);
    });
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
  });

  it('gives the same bins in any order and in shards merged later', () => {
    const whole = histogramOf([values], 48);
    const chunked = histogramOf(
      [values.slice(0, 10), values.slice(10, 700), values.slice(700)],
      48,
    );
    expect(chunked).toEqual(whole);
    const shards = [values.slice(0, 300), values.slice(300, 1500), values.slice(1500)];
    const merged = createHistogram(48);
    for (const shard of shards.reverse()) {
      merged.addHistogram(histogramOf([shard], 48), Math.min(...shard), Math.max(...shard));
    }
    expect(merged.finish()).toEqual(whole);
  });

  it('handles constant values and refuses a useless bin count', () => {
    const h = histogramOf([[0, 0, 0]], 8);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(() => createHistogram(1)).toThrow(/histogramBins/);
  });
});

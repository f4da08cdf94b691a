// The random transforms of unit visualization: Lucid's standard_transforms sampled as a chain with
// Lucent's PyTorch conventions, checked against PyTorch (tools/lucent_transforms.py: F.pad,
// F.interpolate(align_corners=True) and kornia 0.4.1's warp_affine on F.grid_sample), and the
// earlier composed sampling; both samplings' adjoints are their transposes.
import { describe, expect, it } from 'vitest';
import {
  applyTransforms,
  applyTransformsAdjoint,
  identitySampling,
  randomTransforms,
  resolveTransformSettings,
  STANDARD_ANGLES,
  STANDARD_SCALES,
  sampleAffine,
  transformedSize,
} from '../../src/dream/transforms.js';
import { createRng, type Rng } from '../../src/random.js';
import { readFixture } from '../helpers/fixtures.js';
import { expectAllClose, randomImage } from './helpers/analytic-engine.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

/** An Rng that returns the given uniforms in turn. */
function scripted(values: readonly number[]): Rng {
  let i = 0;
  return {
    next: () => {
      if (i >= values.length) throw new Error('scripted rng ran out');
      return values[i++] as number;
    },
    normal: () => {
      throw new Error('not used');
    },
  };
}

interface Case {
  dx1: number;
  dy1: number;
  scale: number;
  angle: number;
  dx2: number;
  dy2: number;
  output: [number, number] | null;
  dims: [number, number, number];
  offset: number;
}

const { manifest, floats } = readFixture<{
  image: { dims: [number, number, number]; offset: number };
  settings: { pad: number; pad_value: number; jitter: number; jitter2: number };
  cases: Case[];
}>('dream/transforms');

describe("'chain' sampling matches Lucent's transforms in PyTorch (tools/lucent_transforms.py)", () => {
  const [c, h, w] = manifest.image.dims;
  const image = floats(manifest.image.offset, manifest.image.dims);
  const { pad, pad_value: padValue, jitter, jitter2 } = manifest.settings;
  it.each(manifest.cases)(
    'jitter ($dx1, $dy1), scale $scale, angle $angle°, jitter ($dx2, $dy2), output $output',
    (k) => {
      // A jitter of d draws ⌊u·d⌋; the scale and the angle come from one-element lists.
      const rng = scripted([
        (k.dx1 + 0.5) / jitter,
        (k.dy1 + 0.5) / jitter,
        0.5,
        0.5,
        (k.dx2 + 0.5) / jitter2,
        (k.dy2 + 0.5) / jitter2,
      ]);
      const draw = randomTransforms(
        rng,
        h,
        w,
        { pad, padValue, jitter, jitter2, scales: [k.scale], angles: [k.angle] },
        k.output ?? undefined,
      );
      expect([c, ...transformedSize(draw, h, w)]).toEqual(k.dims);
      const expected = floats(k.offset, k.dims);
      expectAllClose(applyTransforms(image, c, draw), (i) => expected[i] as number, 5);
    },
  );
});

describe('random transforms', () => {
  it("use Lucid's standard scales and angles and chain sampling by default", () => {
    expect(STANDARD_SCALES[0]).toBeCloseTo(0.9);
    expect(STANDARD_SCALES[10]).toBeCloseTo(1.1);
    expect(STANDARD_ANGLES).toHaveLength(26);
    expect(resolveTransformSettings({})).toMatchObject({
      sampling: 'chain',
      pad: 12,
      padValue: 0.5,
      jitter: 8,
      jitter2: 4,
    });
  });

  it('reject unknown settings and bad values', () => {
    expect(() => resolveTransformSettings({ padd: 3 } as never)).toThrowError(/padd/);
    expect(() => resolveTransformSettings({ sampling: 'lucid' } as never)).toThrowError(/sampling/);
    expect(() => resolveTransformSettings({ jitter: -1 })).toThrowError(/jitter/);
    expect(() => resolveTransformSettings({ scales: [] })).toThrowError(/scales/);
  });

  it('identity sampling reproduces the image; resizing sampling keeps constants', () => {
    const x = randomImage([3, 6, 7], 3).data;
    expectAllClose(sampleAffine(x, 3, identitySampling(6, 7)), (i) => x[i] as number, 6);
    const c = new Float32Array(3 * 36).fill(0.3);
    expectAllClose(sampleAffine(c, 3, identitySampling(6, 6, [10, 10])), () => 0.3, 6);
  });

  it("'chain' keeps the padded size without scaling, brings in black, and ends at the model size", () => {
    const rng = createRng(5);
    const draw = randomTransforms(rng, 20, 20, { scales: [1], angles: [10] });
    expect(transformedSize(draw, 20, 20)).toEqual([44, 44]);
    const out = applyTransforms(new Float32Array(3 * 400).fill(1), 3, draw);
    // grey padding, white image, black corners from the rotation
    expect(Math.min(...out)).toBeCloseTo(0, 6);
    expect(Math.max(...out)).toBeCloseTo(1, 6);
    expect(out.some((v) => Math.abs(v - 0.5) < 1e-6)).toBe(true);
    const fixed = randomTransforms(rng, 20, 20, {}, [224, 224]);
    expect(transformedSize(fixed, 20, 20)).toEqual([224, 224]);
  });

  it("'composed' pads with the pad value and sizes the output like pad → crop → scale → crop", () => {
    const rng = createRng(5);
    const draw = randomTransforms(rng, 20, 20, { sampling: 'composed', scales: [1], angles: [0] });
    expect(draw).toHaveLength(1);
    // (20 + 24 − 8)·1 − 4 = 32
    expect(transformedSize(draw, 20, 20)).toEqual([32, 32]);
    const out = applyTransforms(new Float32Array(3 * 400).fill(1), 3, draw);
    expect(Math.min(...out)).toBeCloseTo(0.5, 6);
    expect(Math.max(...out)).toBeCloseTo(1, 6);
    const fixed = randomTransforms(rng, 20, 20, { sampling: 'composed' }, [224, 224]);
    expect(transformedSize(fixed, 20, 20)).toEqual([224, 224]);
  });

  it.each(['chain', 'composed'] as const)(
    "'%s': the adjoint is the transpose in the image (constants zero)",
    (sampling) => {
      const rng = createRng(9);
      for (let k = 0; k < 6; k++) {
        const draw = randomTransforms(
          rng,
          9,
          11,
          { sampling, padValue: 0, fill: 0 },
          k % 2 ? [16, 16] : undefined,
        );
        const [th, tw] = transformedSize(draw, 9, 11);
        const x = randomImage([3, 9, 11], k).data;
        const g = randomImage([3, th, tw], k + 10).data;
        expect(dot(applyTransforms(x, 3, draw), g)).toBeCloseTo(
          dot(x, applyTransformsAdjoint(g, 3, draw)),
          4,
        );
      }
    },
  );
});

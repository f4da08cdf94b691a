// Hugging Face preprocessor configs (as the transformers image processors define the fields) read
// into fv's ModelConfig, and the geometry they produce against the processors' own definition:
// resize (shortest edge or height × width), then a centre crop.
import { describe, expect, it } from 'vitest';
import {
  configFromHuggingFace,
  type EngineInfo,
  FvError,
  imageToTensor,
  resolveModelConfig,
} from '../../src/index.js';

const labels = { id2label: { '0': 'cat', '1': 'dog', '2': 'bird' } };
const normalize = {
  do_rescale: true,
  rescale_factor: 0.00392156862745098,
  do_normalize: true,
  image_mean: [0.485, 0.456, 0.406],
  image_std: [0.229, 0.224, 0.225],
};
const read = (preprocessor: unknown, config: unknown = labels) =>
  configFromHuggingFace({ config, preprocessor });

/** An FvError thrown by `fn`, with its code and details. */
function caught(fn: () => unknown): FvError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FvError);
    return error as FvError;
  }
  throw new Error('expected an FvError');
}

describe('configFromHuggingFace', () => {
  it('reads google/vit-base-patch16-224: a 224 × 224 resize, mean and std 0.5', () => {
    const { config, steps, notes } = read({
      do_resize: true,
      size: { height: 224, width: 224 },
      resample: 2,
      do_rescale: true,
      rescale_factor: 0.00392156862745098,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
    });
    expect(config).toEqual({
      layout: 'NCHW',
      colorOrder: 'RGB',
      labels: ['cat', 'dog', 'bird'],
      fit: 'stretch',
      cropFraction: 1,
      width: 224,
      height: 224,
      scale: 0.00392156862745098,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    });
    expect(steps[0]).toBe('resize to 224×224');
    expect(notes).toEqual([]);
  });

  it('reads DeiT: 256 × 256, crop 224, bicubic (noted: fv resamples bilinearly)', () => {
    const { config, notes } = read({
      do_resize: true,
      size: { height: 256, width: 256 },
      resample: 3,
      do_center_crop: true,
      crop_size: { height: 224, width: 224 },
      ...normalize,
    });
    expect(config).toMatchObject({ fit: 'stretch', cropFraction: 0.875, width: 224, height: 224 });
    expect(notes.join()).toMatch(/resample 3 \(bicubic\)/);
  });

  it('reads CLIP-style shortest edge + centre crop, and ConvNeXt crop_pct', () => {
    expect(
      read({
        size: { shortest_edge: 256 },
        do_center_crop: true,
        crop_size: { height: 224, width: 224 },
        resample: 2,
        ...normalize,
      }).config,
    ).toMatchObject({ fit: 'center-crop', cropFraction: 0.875, width: 224, height: 224 });
    const convnext = read({
      size: { shortest_edge: 224 },
      crop_pct: 0.875,
      resample: 3,
      ...normalize,
    });
    expect(convnext.config).toMatchObject({
      fit: 'center-crop',
      cropFraction: 0.875,
      width: 224,
      height: 224,
    });
    expect(convnext.steps.slice(0, 2)).toEqual([
      'resize shortest edge to 256 (crop_pct 0.875)',
      'centre crop 224×224',
    ]);
    // Old integer sizes: a shortest edge when a crop follows, a square otherwise.
    expect(
      read({ size: 256, do_center_crop: true, crop_size: 224, ...normalize }).config,
    ).toMatchObject({ fit: 'center-crop', cropFraction: 0.875, width: 224 });
    expect(read({ size: 384, ...normalize }).config).toMatchObject({ fit: 'stretch', width: 384 });
  });

  it('follows do_rescale and do_normalize', () => {
    const off = read({ size: { height: 8, width: 8 }, do_rescale: false, do_normalize: false });
    expect(off.config).toMatchObject({ scale: 1, mean: [0], std: [1] });
    const defaults = read({ size: { height: 8, width: 8 }, image_mean: 0.5, image_std: 0.25 });
    expect(defaults.config).toMatchObject({ scale: 1 / 255, mean: [0.5], std: [0.25] });
  });

  it('names the file and the field of every mistake', () => {
    const cases: [unknown, unknown, string, string | undefined][] = [
      [labels, { size: { longest_edge: 800 } }, 'preprocessor_config.json', 'size.longest_edge'],
      [labels, { size: { height: 8 } }, 'preprocessor_config.json', 'size'],
      [labels, { size: { shortest_edge: -1 } }, 'preprocessor_config.json', 'size.shortest_edge'],
      [labels, { do_resize: 'yes', size: 8 }, 'preprocessor_config.json', 'do_resize'],
      [labels, { do_resize: true }, 'preprocessor_config.json', 'size'],
      [labels, { size: 8, do_center_crop: true }, 'preprocessor_config.json', 'crop_size'],
      [
        labels,
        { size: { shortest_edge: 200 }, do_center_crop: true, crop_size: 224 },
        'preprocessor_config.json',
        'crop_size',
      ],
      [
        labels,
        {
          size: { shortest_edge: 256 },
          do_center_crop: true,
          crop_size: { height: 224, width: 200 },
        },
        'preprocessor_config.json',
        'crop_size',
      ],
      [
        labels,
        { size: 8, image_mean: 'x', image_std: [1] },
        'preprocessor_config.json',
        'image_mean',
      ],
      [labels, { size: 8, image_mean: [0] }, 'preprocessor_config.json', 'image_std'],
      [
        labels,
        { size: 8, resample: 9, image_mean: [0], image_std: [1] },
        'preprocessor_config.json',
        'resample',
      ],
      [labels, [1, 2], 'preprocessor_config.json', undefined],
      [{ id2label: { a: 'cat' } }, { size: 8 }, 'config.json', 'id2label'],
      [{ id2label: { '0': 7 } }, { size: 8 }, 'config.json', 'id2label.0'],
      [{ id2label: ['cat'] }, { size: 8 }, 'config.json', 'id2label'],
      ['text', { size: 8 }, 'config.json', undefined],
    ];
    for (const [config, preprocessor, file, field] of cases) {
      const error = caught(() => read(preprocessor, config));
      expect(error.code).toBe('INVALID_CONFIG');
      expect(error.details).toEqual({ file, ...(field ? { field } : {}) });
      expect(error.message).toContain(file);
      if (field) expect(error.message).toContain(field);
    }
  });

  it('reports names given for the files (a URL, a path)', () => {
    const error = caught(() =>
      configFromHuggingFace({
        config: labels,
        preprocessor: { size: { longest_edge: 3 } },
        names: { preprocessor: 'https://example.com/m/preprocessor_config.json' },
      }),
    );
    expect(error.message).toMatch(/^https:\/\/example\.com\/m\/preprocessor_config\.json: size/);
  });
});

describe('the processor geometry on images', () => {
  const info: EngineInfo = {
    inputs: [{ name: 'pixel_values', type: 'float32', dims: ['batch', 3, 'height', 'width'] }],
    outputs: [{ name: 'logits', type: 'float32', dims: ['batch', 3] }],
    layers: [],
    backend: 'analytic',
  };
  const image = (width: number, height: number) => ({
    data: new Uint8ClampedArray(width * height * 4).fill(255),
    width,
    height,
  });

  it('shortest edge 72 then crop 64 takes the centre 64 / s of the source (s = 72 / short side)', () => {
    const { config } = read({
      size: { shortest_edge: 72 },
      do_center_crop: true,
      crop_size: { height: 64, width: 64 },
      ...normalize,
    });
    const resolved = resolveModelConfig({ ...info, config });
    for (const [w, h] of [
      [100, 80],
      [80, 100],
      [64, 64],
    ] as const) {
      // The processor: resize by s = 72 / min(w, h), crop 64 × 64 at the centre of the result.
      const s = 72 / Math.min(w, h);
      const side = 64 / s;
      const { crop, tensor } = imageToTensor(image(w, h), resolved);
      expect(tensor.dims).toEqual([1, 3, 64, 64]);
      expect(crop.width).toBeCloseTo(side, 10);
      expect(crop.height).toBeCloseTo(side, 10);
      expect(crop.x).toBeCloseTo((w - side) / 2, 10);
      expect(crop.y).toBeCloseTo((h - side) / 2, 10);
    }
  });

  it('height × width 256 then crop 224 takes the centre 7/8 of each side (aspect not kept)', () => {
    const { config } = read({
      size: { height: 256, width: 256 },
      do_center_crop: true,
      crop_size: { height: 224, width: 224 },
      ...normalize,
    });
    const { crop } = imageToTensor(image(400, 200), resolveModelConfig({ ...info, config }));
    expect(crop).toMatchObject({ x: 25, y: 12.5, width: 350, height: 175 });
  });

  it('recognizes pixel_values and logits by name, and a call config wins over the folder', () => {
    const two: EngineInfo = {
      inputs: [
        { name: 'mask', type: 'float32', dims: [1, 8] },
        { name: 'pixel_values', type: 'float32', dims: [1, 3, 8, 8] },
      ],
      outputs: [
        { name: 'hidden', type: 'float32', dims: [1, 4] },
        { name: 'logits', type: 'float32', dims: [1, 3] },
      ],
      layers: [],
      backend: 'analytic',
      config: { labels: ['a', 'b', 'c'], mean: [0.5], std: [0.5] },
    };
    const resolved = resolveModelConfig(two, { std: [0.25] });
    expect([resolved.input, resolved.logits]).toEqual(['pixel_values', 'logits']);
    expect(resolved.labels).toEqual(['a', 'b', 'c']);
    expect([resolved.mean[0], resolved.std[0]]).toEqual([0.5, 0.25]);
  });
});

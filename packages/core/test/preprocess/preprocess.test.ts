import { describe, expect, it } from 'vitest';
import {
  configFromMetadata,
  type EngineInfo,
  imageToTensor,
  isFvError,
  mapToSource,
  preset,
  presetNames,
  presets,
  resizeMap,
  resolveModelConfig,
  tensorToImage,
} from '../../src/index.js';

const info = (dims: (number | string | null)[]): EngineInfo => ({
  inputs: [{ name: 'input', type: 'float32', dims }],
  outputs: [{ name: 'logits', type: 'float32', dims: [1, 10] }],
  layers: [],
  backend: 'analytic',
});

const rgba = (width: number, height: number, f: (x: number, y: number, c: number) => number) => {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) data[(y * width + x) * 4 + c] = c === 3 ? 255 : f(x, y, c);
    }
  }
  return { data, width, height };
};

describe('resolveModelConfig', () => {
  it('reads size, layout and channels from the input shape', () => {
    const nchw = resolveModelConfig(info([1, 3, 224, 200]));
    expect([nchw.layout, nchw.channels, nchw.height, nchw.width]).toEqual(['NCHW', 3, 224, 200]);
    const nhwc = resolveModelConfig(info(['N', 32, 48, 3]));
    expect([nhwc.layout, nhwc.channels, nhwc.height, nhwc.width]).toEqual(['NHWC', 3, 32, 48]);
    const gray = resolveModelConfig(info([1, 1, 28, 28]), presets.mnist);
    expect(gray.channels).toBe(1);
    expect(gray.input).toBe('input');
    expect(gray.logits).toBe('logits');
  });

  it('derives the value range from the normalization', () => {
    expect(resolveModelConfig(info([1, 3, 8, 8]), presets.tensorflow).valueRange).toEqual([
      -1,
      127 / 128,
    ]);
    const tv = resolveModelConfig(info([1, 3, 8, 8]), presets.torchvision).valueRange;
    expect(tv[0]).toBeCloseTo(-0.485 / 0.229, 6);
    expect(tv[1]).toBeCloseTo((1 - 0.406) / 0.225, 6);
  });

  it('applies a named preset under the fields the config sets itself', () => {
    // TF-slim MobileNets: (p - 128) / 128, so pixel 0 maps to -1 (the CLI's `--preset tf-mobilenet`).
    const tf = resolveModelConfig(info([1, 3, 8, 8]), { preset: 'tf-mobilenet' });
    expect([tf.scale, tf.mean, tf.std, tf.valueRange[0]]).toEqual([
      1,
      [128, 128, 128],
      [128, 128, 128],
      -1,
    ]);
    const caffe = resolveModelConfig(info([1, 3, 8, 8]), { preset: 'caffe', std: [2, 2, 2] });
    expect([caffe.colorOrder, caffe.mean[0], caffe.std]).toEqual(['BGR', 103.939, [2, 2, 2]]);
    expect(resolveModelConfig(info([1, 3, 8, 8]), { ...preset('torchvision') })).toEqual(
      resolveModelConfig(info([1, 3, 8, 8]), { preset: 'torchvision' }),
    );
  });

  it('rejects unknown preset names, in a config and by name', () => {
    const unknown = { preset: 'tf-mobilnet' } as unknown as { preset: 'caffe' };
    for (const attempt of [
      () => resolveModelConfig(info([1, 3, 8, 8]), unknown),
      () => preset('tf-mobilnet'),
    ]) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(isFvError(caught, 'INVALID_ARGUMENT')).toBe(true);
      expect((caught as Error).message).toMatch(
        /Unknown preset 'tf-mobilnet' \(presets: torchvision, tensorflow, tf-mobilenet, caffe, mnist\)/,
      );
    }
    // Prototype names are not presets either.
    expect(() => preset('toString')).toThrow(/Unknown preset 'toString'/);
    expect(presetNames).toEqual(Object.keys(presets));
    expect(Object.isFrozen(presets)).toBe(true);
  });

  it('errors on free sizes, unknown inputs and mismatched channel settings', () => {
    expect(() => resolveModelConfig(info([1, 3, 'h', 'w']))).toThrow(/set ModelConfig.width/);
    expect(() => resolveModelConfig(info([1, 3, 8, 8]), { input: 'x' })).toThrow(
      /'x' does not exist/,
    );
    expect(() => resolveModelConfig(info([1, 3, 8, 8]), { channels: 1 })).toThrow(/3 channels/);
    expect(() => resolveModelConfig(info([1, 3, 8, 8]), { mean: [1, 2] })).toThrow(/mean has 2/);
  });

  it('reads metadata hints', () => {
    const c = configFromMetadata({
      mean: '[0.5, 0.5, 0.5]',
      std: '0.25,0.25,0.25',
      layout: 'nhwc',
      color_order: 'bgr',
      labels: 'cat\ndog',
    });
    expect(c).toEqual({
      mean: [0.5, 0.5, 0.5],
      std: [0.25, 0.25, 0.25],
      layout: 'NHWC',
      colorOrder: 'BGR',
      labels: ['cat', 'dog'],
    });
  });
});

describe('imageToTensor / tensorToImage', () => {
  it('normalizes, reorders channels and lays out NCHW and NHWC', () => {
    const image = rgba(2, 1, (x, _y, c) => [10, 20, 30][c]! + x);
    const cfg = resolveModelConfig(info([1, 3, 1, 2]), presets.caffe);
    const { tensor } = imageToTensor(image, cfg);
    // BGR: channel 0 is blue.
    expect(tensor.data[0]).toBeCloseTo(30 - 103.939, 4);
    expect(tensor.data[1]).toBeCloseTo(31 - 103.939, 4);
    expect(tensor.data[4]).toBeCloseTo(10 - 123.68, 4);
    const nhwc = resolveModelConfig(info([1, 1, 2, 3]), { scale: 1, layout: 'NHWC' });
    const t2 = imageToTensor(image, nhwc).tensor;
    expect(t2.dims).toEqual([1, 1, 2, 3]);
    expect(Array.from(t2.data)).toEqual([10, 20, 30, 11, 21, 31]);
  });

  it('converts to grayscale with luma weights', () => {
    const image = rgba(1, 1, (_x, _y, c) => [255, 0, 0][c]!);
    const cfg = resolveModelConfig(info([1, 1, 1, 1]), presets.mnist);
    expect(imageToTensor(image, cfg).tensor.data[0]).toBeCloseTo(0.299, 5);
  });

  it('resizes bilinearly with half-pixel centres', () => {
    // A 4-pixel horizontal ramp 0, 40, 80, 120 halved: samples at x = 0.5 and 2.5.
    const image = rgba(4, 1, (x) => 40 * x);
    const cfg = resolveModelConfig(info([1, 3, 1, 2]), { scale: 1 });
    expect(Array.from(imageToTensor(image, cfg).tensor.data.subarray(0, 2))).toEqual([20, 100]);
  });

  it('centre-crops to the model aspect ratio and reports the crop', () => {
    const image = rgba(8, 4, (x) => x * 10);
    const cfg = resolveModelConfig(info([1, 3, 2, 2]), { scale: 1 });
    const { tensor, crop } = imageToTensor(image, cfg, { fit: 'center-crop' });
    expect(crop).toEqual({ sourceWidth: 8, sourceHeight: 4, x: 2, y: 0, width: 4, height: 4 });
    expect(Array.from(tensor.data.subarray(0, 2))).toEqual([25, 45]);
    const half = imageToTensor(image, cfg, { fit: 'center-crop', cropFraction: 0.5 }).crop;
    expect(half).toMatchObject({ x: 3, y: 1, width: 2, height: 2 });
  });

  it('round-trips through tensorToImage', () => {
    const image = rgba(3, 2, (x, y, c) => 40 * x + 70 * y + 5 * c);
    for (const preset of [presets.torchvision, presets.tensorflow, presets.caffe]) {
      const cfg = resolveModelConfig(info([1, 3, 2, 3]), preset);
      const back = tensorToImage(imageToTensor(image, cfg).tensor, cfg);
      expect(Array.from(back.data)).toEqual(Array.from(image.data));
    }
  });

  it('clips out-of-range values when converting back', () => {
    const cfg = resolveModelConfig(info([1, 3, 1, 1]), presets.tensorflow);
    const img = tensorToImage({ data: Float32Array.of(-3, 0, 3), dims: [1, 3, 1, 1] }, cfg);
    expect(Array.from(img.data)).toEqual([0, 128, 255, 255]);
  });

  it('rejects malformed images', () => {
    const cfg = resolveModelConfig(info([1, 3, 2, 2]));
    expect(() => imageToTensor({ data: new Uint8Array(10), width: 2, height: 2 }, cfg)).toThrow(
      /10 values but 2×2 with 4 channels needs 16/,
    );
  });
});

describe('maps', () => {
  it('resizeMap keeps constants and matches half-pixel bilinear sampling', () => {
    const map = { data: Float32Array.of(0, 1, 2, 3), width: 2, height: 2 };
    const up = resizeMap(map, 4, 4);
    expect(up.data[0]).toBe(0);
    expect(up.data[1]).toBeCloseTo(0.25, 6);
    expect(up.data[15]).toBe(3);
  });

  it('mapToSource places the map over the crop of the original image', () => {
    const map = { data: new Float32Array(4).fill(1), width: 2, height: 2 };
    const back = mapToSource(map, {
      sourceWidth: 8,
      sourceHeight: 4,
      x: 2,
      y: 0,
      width: 4,
      height: 4,
    });
    expect(back.width).toBe(8);
    const row = Array.from(back.data.subarray(0, 8));
    expect(row).toEqual([0, 0, 1, 1, 1, 1, 0, 0]);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type Canvas2DLike,
  type CanvasLike,
  drawToCanvas,
  toCanvas,
  toImageBitmap,
  toImageData,
  toOffscreenCanvas,
} from '../src/index.js';
import { expectFvError, noiseImage } from './support.js';

// jsdom has no canvas backend, no ImageData, OffscreenCanvas or createImageBitmap. These tests
// check what the helpers hand to the canvas API (through a recording 2D context) and how they
// fail where the API is missing; the pixels themselves are never produced by a stub.

interface Recorded {
  imageData: ImageData;
  dx: number;
  dy: number;
}

function recordingCanvas(): CanvasLike & { calls: Recorded[] } {
  const calls: Recorded[] = [];
  const context: Canvas2DLike = {
    createImageData: (width, height) =>
      ({ data: new Uint8ClampedArray(width * height * 4), width, height }) as ImageData,
    putImageData: (imageData, dx, dy) => {
      calls.push({ imageData, dx, dy });
    },
  };
  return { width: 300, height: 150, getContext: () => context, calls };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('drawToCanvas', () => {
  it('resizes the canvas and puts the exact pixels at the origin', () => {
    const image = noiseImage(5, 3, 9);
    const canvas = recordingCanvas();
    drawToCanvas(canvas, image);
    expect([canvas.width, canvas.height]).toEqual([5, 3]);
    expect(canvas.calls).toHaveLength(1);
    const [{ imageData, dx, dy }] = canvas.calls as [Recorded];
    expect([dx, dy]).toEqual([0, 0]);
    expect([imageData.width, imageData.height]).toEqual([5, 3]);
    expect(Array.from(imageData.data)).toEqual(Array.from(image.data));
  });

  it('draws into part of a canvas without resizing it', () => {
    const canvas = recordingCanvas();
    drawToCanvas(canvas, noiseImage(2, 2), { x: 7, y: 4, resize: false });
    expect([canvas.width, canvas.height]).toEqual([300, 150]);
    expect(canvas.calls[0]).toMatchObject({ dx: 7, dy: 4 });
  });

  it('uses the ImageData constructor where there is one', () => {
    class FakeImageData {
      constructor(
        readonly data: Uint8ClampedArray,
        readonly width: number,
        readonly height: number,
      ) {}
    }
    vi.stubGlobal('ImageData', FakeImageData);
    const image = noiseImage(2, 2);
    const imageData = toImageData(image);
    expect(imageData).toBeInstanceOf(FakeImageData);
    expect(imageData.data).toBe(image.data);
    expect(toImageData(imageData)).toBe(imageData);
  });

  it('toCanvas draws into a new <canvas> element from the document', () => {
    const recorder = recordingCanvas();
    const created: string[] = [];
    const doc = {
      createElement: (tag: string) => {
        created.push(tag);
        // A real jsdom element, with the recording context in place of the backend jsdom lacks.
        const element = document.createElement(tag) as HTMLCanvasElement;
        Object.defineProperty(element, 'getContext', { value: recorder.getContext });
        return element;
      },
    } as Pick<Document, 'createElement'>;
    const image = noiseImage(4, 2, 3);
    const canvas = toCanvas(image, doc);
    expect(created).toEqual(['canvas']);
    expect(canvas.tagName).toBe('CANVAS');
    expect([canvas.width, canvas.height]).toEqual([4, 2]);
    expect(Array.from(recorder.calls[0]!.imageData.data)).toEqual(Array.from(image.data));
  });

  it('fails with BACKEND_UNAVAILABLE without a 2D context', () => {
    const canvas = { width: 0, height: 0, getContext: () => null };
    expectFvError(() => drawToCanvas(canvas, noiseImage(1, 1)), 'BACKEND_UNAVAILABLE');
  });
});

describe('what jsdom lacks', () => {
  it('toImageData without ImageData or a context', () => {
    expectFvError(() => toImageData(noiseImage(1, 1)), 'BACKEND_UNAVAILABLE');
  });

  it('toCanvas fails with BACKEND_UNAVAILABLE without a document', () => {
    vi.stubGlobal('document', undefined);
    expectFvError(() => toCanvas(noiseImage(2, 2)), 'BACKEND_UNAVAILABLE');
  });

  it('toOffscreenCanvas and toImageBitmap', async () => {
    expectFvError(() => toOffscreenCanvas(noiseImage(1, 1)), 'BACKEND_UNAVAILABLE');
    await expect(toImageBitmap(noiseImage(1, 1))).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
  });

  it('toImageBitmap hands createImageBitmap an ImageData of the image', async () => {
    class FakeImageData {
      constructor(
        readonly data: Uint8ClampedArray,
        readonly width: number,
        readonly height: number,
      ) {}
    }
    const received: unknown[] = [];
    vi.stubGlobal('ImageData', FakeImageData);
    vi.stubGlobal('createImageBitmap', async (source: unknown) => {
      received.push(source);
      return { width: 3, height: 1 };
    });
    const image = noiseImage(3, 1);
    await toImageBitmap(image);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ width: 3, height: 1, data: image.data });
  });
});

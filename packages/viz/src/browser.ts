import { FvError } from '@fv/core';
import { assertImage, type RgbaImage } from './image.js';

// Browser helpers. They only touch DOM globals when called, so importing @fv/viz in Node or a
// worker is safe; each fails with BACKEND_UNAVAILABLE where the API it needs is missing.
//
// Their declarations name DOM types only through the conditional types below: a project with the
// DOM lib sees `ImageData`, `HTMLCanvasElement`, …; a Node project without it sees structural
// stand-ins and type-checks these declarations with `skipLibCheck: false` (the way @types/node
// types `fetch`).

type Globals = typeof globalThis;

/** `ImageData` where the DOM lib is loaded, otherwise what it is structurally: an `RgbaImage`. */
export type DomImageData = Globals extends { ImageData: { prototype: infer T } } ? T : RgbaImage;

/** `HTMLCanvasElement` where the DOM lib is loaded, otherwise a {@link CanvasLike}. */
export type DomCanvas = Globals extends { HTMLCanvasElement: { prototype: infer T } }
  ? T
  : CanvasLike;

/** `OffscreenCanvas` where the DOM lib is loaded, otherwise a {@link CanvasLike}. */
export type DomOffscreenCanvas = Globals extends { OffscreenCanvas: { prototype: infer T } }
  ? T
  : CanvasLike;

/** `ImageBitmap` where the DOM lib is loaded, otherwise its size and `close()`. */
export type DomImageBitmap = Globals extends { ImageBitmap: { prototype: infer T } }
  ? T
  : { readonly width: number; readonly height: number; close(): void };

/** The part of a `document` {@link toCanvas} uses. */
export interface DocumentLike {
  createElement(tagName: 'canvas'): DomCanvas;
}

/** The part of a 2D context the helpers use (`CanvasRenderingContext2D` and its offscreen twin fit). */
export interface Canvas2DLike {
  createImageData(width: number, height: number): DomImageData;
  putImageData(imageData: DomImageData, dx: number, dy: number): void;
}

/** The part of a canvas the helpers use (`HTMLCanvasElement` and `OffscreenCanvas` fit). */
export interface CanvasLike {
  width: number;
  height: number;
  getContext(contextId: '2d'): Canvas2DLike | null;
}

/** Options of {@link drawToCanvas}. */
export interface DrawOptions {
  /** Left edge in canvas pixels. @defaultValue `0` */
  readonly x?: number;
  /** Top edge in canvas pixels. @defaultValue `0` */
  readonly y?: number;
  /**
   * Resize the canvas to the image first (which clears it). Set `false` to draw into part of a
   * larger canvas.
   * @defaultValue `true`
   */
  readonly resize?: boolean;
}

function unavailable(what: string): FvError {
  return new FvError(
    'BACKEND_UNAVAILABLE',
    `${what} is not available in this environment; in Node, encode the image with encodePng instead`,
  );
}

/**
 * The image as a DOM `ImageData` (the same object when it already is one). Uses the `ImageData`
 * constructor, or `context.createImageData` where there is no global constructor.
 * @throws FvError `BACKEND_UNAVAILABLE` when neither is available (Node without a DOM).
 */
export function toImageData(image: RgbaImage, context?: Canvas2DLike): DomImageData {
  assertImage(image);
  const ImageDataCtor = (globalThis as { ImageData?: typeof ImageData }).ImageData;
  if (ImageDataCtor) {
    if (image instanceof ImageDataCtor) return image;
    const data =
      image.data.buffer instanceof ArrayBuffer
        ? (image.data as Uint8ClampedArray<ArrayBuffer>)
        : new Uint8ClampedArray(image.data);
    return new ImageDataCtor(data, image.width, image.height);
  }
  if (context) {
    const imageData = context.createImageData(image.width, image.height);
    imageData.data.set(image.data);
    return imageData;
  }
  throw unavailable('ImageData');
}

function context2d(canvas: CanvasLike): Canvas2DLike {
  const context = canvas.getContext('2d');
  if (!context) throw unavailable('A 2D canvas context');
  return context;
}

/**
 * Draws the image into a canvas (an `HTMLCanvasElement`, an `OffscreenCanvas` or anything with
 * the same `getContext('2d')`), pixel for pixel with `putImageData`.
 * @throws FvError `BACKEND_UNAVAILABLE` when the canvas has no 2D context.
 * @example
 * drawToCanvas(document.querySelector('canvas')!, overlay(image, map));
 */
export function drawToCanvas(
  canvas: CanvasLike,
  image: RgbaImage,
  options: DrawOptions = {},
): void {
  assertImage(image);
  if (options.resize ?? true) {
    canvas.width = image.width;
    canvas.height = image.height;
  }
  const context = context2d(canvas);
  context.putImageData(toImageData(image, context), options.x ?? 0, options.y ?? 0);
}

/**
 * A new `<canvas>` element showing the image.
 * @throws FvError `BACKEND_UNAVAILABLE` without a document or a 2D context.
 */
export function toCanvas(
  image: RgbaImage,
  document: DocumentLike | undefined = globalThis.document,
): DomCanvas {
  if (!document) throw unavailable('document');
  const canvas = document.createElement('canvas');
  drawToCanvas(canvas, image);
  return canvas;
}

/**
 * A new `OffscreenCanvas` showing the image (usable in workers).
 * @throws FvError `BACKEND_UNAVAILABLE` where `OffscreenCanvas` does not exist.
 */
export function toOffscreenCanvas(image: RgbaImage): DomOffscreenCanvas {
  const Offscreen = (globalThis as { OffscreenCanvas?: typeof OffscreenCanvas }).OffscreenCanvas;
  if (!Offscreen) throw unavailable('OffscreenCanvas');
  assertImage(image);
  const canvas = new Offscreen(image.width, image.height);
  drawToCanvas(canvas, image);
  return canvas;
}

/**
 * An `ImageBitmap` of the image (transferable to and from workers, drawable with `drawImage`).
 * @throws FvError `BACKEND_UNAVAILABLE` (as a rejection) where `createImageBitmap` does not exist.
 */
export async function toImageBitmap(image: RgbaImage): Promise<DomImageBitmap> {
  const create = (globalThis as { createImageBitmap?: typeof createImageBitmap }).createImageBitmap;
  if (!create) throw unavailable('createImageBitmap');
  return create(toImageData(image));
}

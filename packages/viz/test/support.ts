import type { FvErrorCode, RgbaImage } from '@fv/core';
import { expect } from 'vitest';

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `fn` and checks that it throws an FvError with `code`; returns the error. */
export function expectFvError(fn: () => unknown, code: FvErrorCode): Error {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(Error);
  expect((caught as { code?: string }).code).toBe(code);
  return caught as Error;
}

/** RGBA of pixel (x, y). */
export function pixel(image: RgbaImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 4;
  return Array.from(image.data.subarray(i, i + 4));
}

/** An image whose every pixel has a different, reproducible colour and alpha. */
export function noiseImage(width: number, height: number, seed = 1, opaque = false): RgbaImage {
  const next = rng(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(next() * 256);
  if (opaque) for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { data, width, height };
}

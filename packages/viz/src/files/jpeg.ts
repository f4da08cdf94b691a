import { FvError } from '@fv/core';
import decodeJpegBytes from 'jpeg-js/lib/decoder.js';
import type { RgbaImage } from '../image.js';

/** True when the bytes start with a JPEG start-of-image marker. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Options of {@link decodeJpeg}. */
export interface JpegOptions {
  /** Refuse images above this many megapixels. @defaultValue `100` */
  readonly maxResolutionInMP?: number;
  /** Refuse images needing more memory than this to decode. @defaultValue `512` */
  readonly maxMemoryUsageInMB?: number;
}

/**
 * Decodes a baseline or progressive JPEG to RGBA (alpha 255), with jpeg-js.
 * @throws FvError `INVALID_IMAGE` for bytes that are not a readable JPEG.
 */
export function decodeJpeg(bytes: Uint8Array, options: JpegOptions = {}): RgbaImage {
  if (!isJpeg(bytes)) {
    throw new FvError('INVALID_IMAGE', 'Not a JPEG: the start-of-image marker FF D8 FF is missing');
  }
  try {
    const { width, height, data } = decodeJpegBytes(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      tolerantDecoding: false,
      maxResolutionInMP: options.maxResolutionInMP ?? 100,
      maxMemoryUsageInMB: options.maxMemoryUsageInMB ?? 512,
    });
    if (!(width > 0 && height > 0) || data.length !== width * height * 4) {
      throw new Error(`decoded to ${width}×${height} with ${data.length} bytes`);
    }
    return {
      data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length),
      width,
      height,
    };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new FvError('INVALID_IMAGE', `Malformed JPEG: ${why}`);
  }
}

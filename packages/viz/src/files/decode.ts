import { FvError } from '@fv/core';
import type { RgbaImage } from '../image.js';
import { decodeJpeg, isJpeg } from './jpeg.js';
import { decodePng, isPng } from './png.js';

/** Image formats {@link decodeImage} reads. */
export type ImageFormat = 'png' | 'jpeg';

/** The format of encoded image bytes from their first bytes, or `undefined` when unknown. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (isPng(bytes)) return 'png';
  if (isJpeg(bytes)) return 'jpeg';
  return undefined;
}

/**
 * Decodes PNG or JPEG bytes to RGBA, telling the format from the bytes (not a file name).
 * @throws FvError `INVALID_IMAGE` for an unknown format or malformed bytes.
 * @example
 * const image = decodeImage(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export function decodeImage(bytes: Uint8Array): RgbaImage {
  if (!ArrayBuffer.isView(bytes) || (bytes as Uint8Array).BYTES_PER_ELEMENT !== 1) {
    throw new FvError('INVALID_IMAGE', 'decodeImage needs the encoded bytes as a Uint8Array');
  }
  switch (sniffImageFormat(bytes)) {
    case 'png':
      return decodePng(bytes);
    case 'jpeg':
      return decodeJpeg(bytes);
    default: {
      const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(
        ' ',
      );
      throw new FvError(
        'INVALID_IMAGE',
        bytes.length === 0
          ? 'Cannot decode an empty byte array as an image'
          : `Unrecognized image format (first bytes: ${head}); fv decodes PNG and JPEG`,
      );
    }
  }
}

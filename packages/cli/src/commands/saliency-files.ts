// The bytes of `fv saliency`'s files for one image: the pictures (drawn and PNG-encoded) and the
// .npy arrays. Pure and cloneable both ways, so that it runs in the CLI's thread or, with
// `--workers W`, in a picture thread next to each engine (picture-thread.ts); the caller writes
// the files (atomically, in the CLI's thread).
import type { Map2D, RgbaImage } from '@fv/core';
import {
  type AttributionSign,
  attributionGrid,
  type Colormap,
  encodePng,
  type NormalizeOptions,
  signPart,
  type VisualizationMethod,
  visualizeAttribution,
} from '@fv/viz';
import { writeNpy } from '../npy.js';

/** A picture `--maps` asks for. */
export type PictureKind = 'grid' | AttributionSign;

/** Everything the files of one image are made from (plain data: it crosses threads). */
export interface SaliencyFilesTask {
  /** The model's input as a picture, enlarged for display. */
  readonly image: RgbaImage;
  /** The signed map. */
  readonly map: Map2D;
  /** The raw attribution for `attribution.npy` (only with `--save-npy`). */
  readonly attribution?: { readonly data: Float32Array; readonly dims: readonly number[] };
  readonly pictures: readonly PictureKind[];
  readonly style: VisualizationMethod;
  readonly normalize?: NormalizeOptions['normalize'];
  readonly colormap?: Colormap;
}

/** The bytes of each file, by kind (`attribution` and `maps` for the .npy files), in order. */
export type SaliencyFileBytes = Partial<Record<PictureKind | 'attribution' | 'maps', Uint8Array>>;

/** Draws and encodes the pictures and builds the .npy files of one image. */
export function saliencyFileBytes(task: SaliencyFilesTask): SaliencyFileBytes {
  const { image, map: signed, colormap } = task;
  const drawing = {
    method: task.style,
    ...(task.normalize ? { normalize: task.normalize } : {}),
  };
  const bytes: SaliencyFileBytes = {};
  for (const kind of task.pictures) {
    let picture: RgbaImage;
    if (kind === 'grid') {
      const signs: AttributionSign[] = ['absolute', 'positive', 'negative'];
      picture = attributionGrid(image, signed, {
        ...drawing,
        signs,
        ...(colormap
          ? { colormaps: { absolute: colormap, positive: colormap, negative: colormap } }
          : {}),
      });
    } else {
      picture = visualizeAttribution(signed, image, {
        ...drawing,
        sign: kind,
        ...(colormap ? { colormap } : {}),
      });
    }
    bytes[kind] = encodePng(picture);
  }
  if (task.attribution) {
    const a = task.attribution;
    bytes.attribution = writeNpy({ data: a.data, shape: a.dims });
    const { width, height } = signed;
    const stack = new Float32Array(3 * width * height);
    stack.set(signPart(signed, 'absolute').data, 0);
    stack.set(signPart(signed, 'positive').data, width * height);
    stack.set(signPart(signed, 'negative').data, 2 * width * height);
    bytes.maps = writeNpy({ data: stack, shape: [3, height, width] });
  }
  return bytes;
}

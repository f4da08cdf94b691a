import { FvError } from '@fv/core';
import { zlibSync } from 'fflate';
import UPNG from 'upng-js';
import { assertImage, type RgbaImage } from '../image.js';

// PNG and APNG: upng-js picks the colour type (palette when ≤ 256 colours, RGB when opaque, else
// RGBA) and does APNG frame differencing; fv filters, deflates and writes the chunks itself.
// upng-js 2.1.0's `encode` sizes its output buffer as the raw pixel size + 100 bytes and silently
// truncates images that compress worse than that (noise, small images), and it cannot set the
// loop count. Its `compressPNG` filters the whole image with each of the five filter types and
// deflates every candidate with pako to keep the smallest (~10× the time of one pass, the main
// cost of writing a folder of saliency maps); fv deflates two candidates with fflate
// instead (see deflateFrame).

/** One frame of an animated PNG. */
export interface ApngFrame {
  readonly image: RgbaImage;
  /** How long the frame shows, in milliseconds. */
  readonly delay: number;
}

/** Options of {@link encodeApng}. */
export interface ApngOptions {
  /**
   * Milliseconds per frame: one number for all, or one per frame (rounded to whole ms, at most
   * 65535).
   * @defaultValue `100`
   */
  readonly delay?: number | readonly number[];
  /** How many times the animation plays; 0 loops forever. @defaultValue `0` */
  readonly loops?: number;
}

/** A decoded APNG (a plain PNG decodes as one frame). */
export interface DecodedApng {
  readonly width: number;
  readonly height: number;
  /** Fully composited frames, in order. */
  readonly frames: readonly ApngFrame[];
  /** Play count from the file; 0 loops forever. */
  readonly loops: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let crcTable: Uint32Array | undefined;
function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

class ChunkWriter {
  private readonly parts: Uint8Array[] = [Uint8Array.from(SIGNATURE)];

  chunk(type: string, body: Uint8Array): void {
    const out = new Uint8Array(12 + body.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, body.length);
    for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
    out.set(body, 8);
    view.setUint32(8 + body.length, crc32(out, 4, 8 + body.length));
    this.parts.push(out);
  }

  bytes(): Uint8Array {
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const p of this.parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }
}

function u32(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setUint32(i * 4, v);
  });
  return out;
}

function rgbaBuffer(image: RgbaImage): ArrayBuffer {
  const { data } = image;
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}

/** The zlib compression level of fflate's deflate (zlib's own default is 6). */
const DEFLATE_LEVEL = 3;

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Scanlines with filter type None: each row prefixed by a 0 byte. */
function unfiltered(img: Uint8Array, rows: number, bpl: number): Uint8Array {
  const out = new Uint8Array(rows * (bpl + 1));
  for (let y = 0; y < rows; y++) out.set(img.subarray(y * bpl, (y + 1) * bpl), y * (bpl + 1) + 1);
  return out;
}

/**
 * Scanlines filtered per row with the type whose output has the least sum of absolute values
 * read as signed bytes (libpng's adaptive heuristic, PNG spec §12.8).
 */
function adaptivelyFiltered(img: Uint8Array, rows: number, bpl: number, bpp: number): Uint8Array {
  const out = new Uint8Array(rows * (bpl + 1));
  const sub = new Uint8Array(bpl);
  const upF = new Uint8Array(bpl);
  const avg = new Uint8Array(bpl);
  const pae = new Uint8Array(bpl);
  const zero = new Uint8Array(bpl);
  for (let y = 0; y < rows; y++) {
    const row = img.subarray(y * bpl, (y + 1) * bpl);
    const up = y > 0 ? img.subarray((y - 1) * bpl, y * bpl) : zero;
    let sNone = 0;
    let sSub = 0;
    let sUp = 0;
    let sAvg = 0;
    let sPaeth = 0;
    for (let x = 0; x < bpl; x++) {
      const r = row[x]!;
      const a = x >= bpp ? row[x - bpp]! : 0;
      const b = up[x]!;
      const c = x >= bpp ? up[x - bpp]! : 0;
      const v1 = (r - a) & 255;
      const v2 = (r - b) & 255;
      const v3 = (r - ((a + b) >> 1)) & 255;
      const v4 = (r - paeth(a, b, c)) & 255;
      sub[x] = v1;
      upF[x] = v2;
      avg[x] = v3;
      pae[x] = v4;
      sNone += r < 128 ? r : 256 - r;
      sSub += v1 < 128 ? v1 : 256 - v1;
      sUp += v2 < 128 ? v2 : 256 - v2;
      sAvg += v3 < 128 ? v3 : 256 - v3;
      sPaeth += v4 < 128 ? v4 : 256 - v4;
    }
    const sums = [sNone, sSub, sUp, sAvg, sPaeth];
    let best = 0;
    for (let t = 1; t < 5; t++) if (sums[t]! < sums[best]!) best = t;
    const at = y * (bpl + 1);
    out[at] = best;
    out.set([row, sub, upF, avg, pae][best]!, at + 1);
  }
  return out;
}

/**
 * Filters and deflates one frame's scanlines (zlib format, as IDAT/fdAT hold). Palette images
 * get filter None (libpng's and the PNG spec's advice; upng-js did the same). Others get None or
 * the adaptive heuristic, whichever deflates smaller on a band of rows from the middle of the
 * frame (a tenth of it, 32 rows at least): the heuristic alone makes saliency heat-map grids ~20 %
 * larger than None does (colormapped panels), while None makes photos and overlays ~25 % larger.
 * The band costs ~1/5 of a full deflate, against the 5 full deflates of upng-js's search.
 */
function deflateFrame(img: Uint8Array, rows: number, bpl: number, bpp: number, palette: boolean) {
  const none = unfiltered(img, rows, bpl);
  if (palette) return zlibSync(none, { level: DEFLATE_LEVEL });
  const adaptive = adaptivelyFiltered(img, rows, bpl, bpp);
  const band = Math.min(rows, Math.max(32, Math.ceil(rows / 10)));
  const from = ((rows - band) >> 1) * (bpl + 1);
  const to = from + band * (bpl + 1);
  const sample = (filtered: Uint8Array) =>
    zlibSync(filtered.subarray(from, to), { level: DEFLATE_LEVEL }).length;
  return zlibSync(sample(adaptive) < sample(none) ? adaptive : none, { level: DEFLATE_LEVEL });
}

function encodeFrames(images: readonly RgbaImage[], delays: readonly number[], loops: number) {
  const { width, height } = images[0]!;
  const reduced = UPNG.encode.compress(images.map(rgbaBuffer), width, height, 0, false, false);
  const compressed = {
    ...reduced,
    frames: reduced.frames.map((frame) => ({
      ...frame,
      cimg: deflateFrame(frame.img, frame.rect.height, frame.bpl, frame.bpp, reduced.ctype === 3),
    })),
  };
  const w = new ChunkWriter();
  const ihdr = new Uint8Array(13);
  ihdr.set(u32(width, height));
  ihdr[8] = compressed.depth;
  ihdr[9] = compressed.ctype;
  w.chunk('IHDR', ihdr);
  w.chunk('sRGB', Uint8Array.of(1));
  const animated = images.length > 1;
  if (animated) w.chunk('acTL', u32(images.length, loops));
  if (compressed.ctype === 3) {
    const palette = compressed.plte;
    const plte = new Uint8Array(palette.length * 3);
    const trns = new Uint8Array(palette.length);
    palette.forEach((c, i) => {
      plte[i * 3] = c & 255;
      plte[i * 3 + 1] = (c >>> 8) & 255;
      plte[i * 3 + 2] = (c >>> 16) & 255;
      trns[i] = (c >>> 24) & 255;
    });
    w.chunk('PLTE', plte);
    if (compressed.gotAlpha) w.chunk('tRNS', trns);
  }
  let sequence = 0;
  compressed.frames.forEach((frame, j) => {
    if (animated) {
      const fctl = new Uint8Array(26);
      const view = new DataView(fctl.buffer);
      view.setUint32(0, sequence++);
      view.setUint32(4, frame.rect.width);
      view.setUint32(8, frame.rect.height);
      view.setUint32(12, frame.rect.x);
      view.setUint32(16, frame.rect.y);
      view.setUint16(20, delays[j]!);
      view.setUint16(22, 1000);
      fctl[24] = frame.dispose;
      fctl[25] = frame.blend;
      w.chunk('fcTL', fctl);
    }
    if (j === 0) {
      w.chunk('IDAT', frame.cimg);
    } else {
      const fdat = new Uint8Array(4 + frame.cimg.length);
      new DataView(fdat.buffer).setUint32(0, sequence++);
      fdat.set(frame.cimg, 4);
      w.chunk('fdAT', fdat);
    }
  });
  w.chunk('IEND', new Uint8Array(0));
  return w.bytes();
}

/**
 * Encodes an image as a lossless PNG (8-bit RGBA, RGB, or a palette when that is exact).
 * @example
 * writeFileSync('overlay.png', encodePng(overlay(image, map)));
 */
export function encodePng(image: RgbaImage): Uint8Array {
  assertImage(image);
  return encodeFrames([image], [0], 0);
}

/**
 * Encodes frames of one size as an animated PNG (for Deep Dream progress). Browsers play it as
 * an image; viewers without APNG support show the first frame.
 * @throws FvError `INVALID_ARGUMENT` for no frames, frames of different sizes or bad delays.
 * @example
 * encodeApng(steps, { delay: 80 });
 */
export function encodeApng(frames: readonly RgbaImage[], options: ApngOptions = {}): Uint8Array {
  if (frames.length === 0)
    throw new FvError('INVALID_ARGUMENT', 'encodeApng needs at least one frame');
  const first = frames[0]!;
  frames.forEach((frame, i) => {
    assertImage(frame, `frame ${i}`);
    if (frame.width !== first.width || frame.height !== first.height) {
      throw new FvError(
        'INVALID_ARGUMENT',
        `Frame ${i} is ${frame.width}×${frame.height} but frame 0 is ${first.width}×${first.height}; APNG frames must have one size`,
      );
    }
  });
  const delay = options.delay ?? 100;
  const delays = typeof delay === 'number' ? frames.map(() => delay) : [...delay];
  if (delays.length !== frames.length) {
    throw new FvError(
      'INVALID_ARGUMENT',
      `${delays.length} delays given for ${frames.length} frames`,
    );
  }
  const rounded = delays.map((d, i) => {
    if (!(d >= 0 && d <= 65535)) {
      throw new FvError('INVALID_ARGUMENT', `Delay of frame ${i} must be 0..65535 ms, got ${d}`);
    }
    return Math.round(d);
  });
  const loops = options.loops ?? 0;
  if (!Number.isInteger(loops) || loops < 0) {
    throw new FvError('INVALID_ARGUMENT', `loops must be a non-negative integer, got ${loops}`);
  }
  return encodeFrames(frames, rounded, loops);
}

function invalid(message: string, cause?: unknown): FvError {
  const detail =
    cause === undefined ? '' : `: ${cause instanceof Error ? cause.message : String(cause)}`;
  return new FvError('INVALID_IMAGE', `${message}${detail}`);
}

/** True when the bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

function decodeAll(bytes: Uint8Array): DecodedApng {
  if (!isPng(bytes)) throw invalid('Not a PNG: the 8-byte PNG signature is missing');
  let decoded: ReturnType<typeof UPNG.decode>;
  let buffers: ArrayBuffer[];
  try {
    // A copy, so that a Node Buffer's shared pool (or a view's neighbours) is never read.
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    decoded = UPNG.decode(copy.buffer);
    if (!(decoded.width > 0 && decoded.height > 0)) throw new Error('no IHDR with a valid size');
    buffers = UPNG.toRGBA8(decoded);
  } catch (error) {
    throw invalid('Malformed PNG', error);
  }
  const { width, height } = decoded;
  const frameBytes = width * height * 4;
  if (buffers.length === 0 || buffers.some((b) => b.byteLength < frameBytes)) {
    throw invalid(`Malformed PNG: its pixel data is shorter than ${width}×${height}`);
  }
  const frames = buffers.map((buffer, i) => ({
    image: { data: new Uint8ClampedArray(buffer, 0, frameBytes), width, height },
    delay: decoded.frames[i]?.delay ?? 0,
  }));
  return { width, height, frames, loops: decoded.tabs.acTL?.num_plays ?? 0 };
}

/**
 * Decodes a PNG (any bit depth or colour type) to 8-bit RGBA. For an APNG, the first frame.
 * @throws FvError `INVALID_IMAGE` for bytes that are not a readable PNG.
 */
export function decodePng(bytes: Uint8Array): RgbaImage {
  return decodeAll(bytes).frames[0]!.image;
}

/**
 * Decodes every frame of an APNG (composited, with delays); a plain PNG gives one frame.
 * @throws FvError `INVALID_IMAGE` for bytes that are not a readable PNG.
 */
export function decodeApng(bytes: Uint8Array): DecodedApng {
  return decodeAll(bytes);
}

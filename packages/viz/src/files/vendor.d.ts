// Minimal typings for the two pure-JavaScript codecs @fv/viz uses (neither ships typings for
// the parts used here).

declare module 'upng-js' {
  interface UpngRect {
    x: number;
    y: number;
    width: number;
    height: number;
  }
  interface UpngFrame {
    rect: UpngRect;
    /** Milliseconds. */
    delay: number;
    dispose: number;
    blend: number;
  }
  interface UpngImage {
    width: number;
    height: number;
    depth: number;
    ctype: number;
    frames: UpngFrame[];
    tabs: { acTL?: { num_frames: number; num_plays: number }; [chunk: string]: unknown };
    data: Uint8Array;
  }
  interface UpngCompressed {
    ctype: number;
    depth: number;
    /** Palette entries as packed ABGR words. */
    plte: number[];
    gotAlpha: boolean;
    frames: { rect: UpngRect; cimg: Uint8Array; dispose: number; blend: number }[];
  }
  /** `compress` before filtering and deflate: each frame's raw scanlines, without filter bytes. */
  interface UpngReduced {
    ctype: number;
    depth: number;
    plte: number[];
    gotAlpha: boolean;
    frames: {
      rect: UpngRect;
      img: Uint8Array;
      /** Bytes per row. */
      bpl: number;
      /** Bytes per pixel (1 for a palette of any depth). */
      bpp: number;
      dispose: number;
      blend: number;
    }[];
  }
  interface Upng {
    decode(buffer: ArrayBuffer): UpngImage;
    toRGBA8(image: UpngImage): ArrayBuffer[];
    encode: {
      compressPNG(
        frames: ArrayBuffer[],
        width: number,
        height: number,
        colors: number,
        forbidPalette?: boolean,
      ): UpngCompressed;
      compress(
        frames: ArrayBuffer[],
        width: number,
        height: number,
        colors: number,
        forGif: boolean,
        forbidPalette: boolean,
      ): UpngReduced;
    };
  }
  const UPNG: Upng;
  export default UPNG;
}

declare module 'jpeg-js/lib/decoder.js' {
  interface JpegDecodeOptions {
    useTArray: true;
    formatAsRGBA?: boolean;
    colorTransform?: boolean;
    tolerantDecoding?: boolean;
    maxResolutionInMP?: number;
    maxMemoryUsageInMB?: number;
  }
  function decode(
    data: Uint8Array | ArrayBuffer,
    options: JpegDecodeOptions,
  ): { width: number; height: number; data: Uint8Array };
  export default decode;
}

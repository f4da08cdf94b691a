export type {
  Canvas2DLike,
  CanvasLike,
  DocumentLike,
  DomCanvas,
  DomImageBitmap,
  DomImageData,
  DomOffscreenCanvas,
  DrawOptions,
} from './browser.js';
export {
  drawToCanvas,
  toCanvas,
  toImageBitmap,
  toImageData,
  toOffscreenCanvas,
} from './browser.js';
export type { ColorbarOptions } from './colorbar.js';
export { colorbar, formatTicks, niceTicks } from './colorbar.js';
export type { ColorizeOptions } from './colorize.js';
export { colorize, colorizeNormalized, defaultColormap } from './colorize.js';
export type { Colormap, ColormapLut, ColormapName, ColorStop } from './colormaps/colormap.js';
export {
  COLORMAP_SIZE,
  colormapColor,
  colormapFromStops,
  colormapIndex,
  colormapNames,
  getColormap,
  isColormapName,
  reverseColormap,
} from './colormaps/colormap.js';
export type {
  MaskOptions,
  OverlayOptions,
  VisualizationMethod,
  VisualizeOptions,
} from './compose.js';
export {
  alphaScaling,
  blendedHeatMap,
  blendImages,
  grayscale,
  maskedImage,
  overlay,
  visualizationMethods,
  visualizeAttribution,
} from './compose.js';
export type { ImageFormat } from './files/decode.js';
export { decodeImage, sniffImageFormat } from './files/decode.js';
export type { JpegOptions } from './files/jpeg.js';
export { decodeJpeg, isJpeg } from './files/jpeg.js';
export type { ApngFrame, ApngOptions, DecodedApng } from './files/png.js';
export { decodeApng, decodePng, encodeApng, encodePng, isPng } from './files/png.js';
export type { AttributionGridOptions, GridLayout, GridOptions, GridPanel } from './grid.js';
export { attributionGrid, composeGrid, gridLayout, pasteImage } from './grid.js';
export type { ChannelReduction, Color, MapFromTensorOptions, Rgb, Rgba } from './image.js';
export {
  assertImage,
  assertMap,
  createImage,
  createMap2D,
  mapFromTensor,
  parseColor,
} from './image.js';
export type {
  AttributionSign,
  Normalization,
  NormalizedMap,
  NormalizeMode,
  NormalizeOptions,
} from './normalize.js';
export { attributionSigns, normalizeMap, resolveNormalization, signPart } from './normalize.js';
export type { LinePlotOptions, PlotSeries } from './plot.js';
export { linePlot, plotColors } from './plot.js';
export { resizeImage } from './resize.js';
export { cumulativeSumThreshold, extent, percentile } from './statistics.js';
export type { TextOptions } from './text/bitmap-font.js';
export { drawText, fontMetrics, measureText, renderText } from './text/bitmap-font.js';

// The receptive field of a layer position as plain data. `@fv/autodiff`'s `receptiveField` computes
// it from the ONNX graph (strides, kernels, dilations and pads along every path from the input to
// the layer); core only maps positions to input regions with it.

/**
 * One spatial axis of a receptive field (Araujo, Norris & Sim, "Computing Receptive Fields of
 * Convolutional Neural Networks", Distill 2019): layer position `p` sees the input pixels of the
 * half-open interval `[start + p·jump, start + p·jump + size)` before clamping to the input.
 * `start` is negative where padding reaches outside the image; `jump` is the product of the strides
 * on the path (fractional after upsampling); a field that covers the whole input whatever the
 * position (after global pooling, say) has `jump` 0, `start` 0 and `size` the input size.
 */
export interface AxisReceptiveField {
  readonly jump: number;
  readonly start: number;
  readonly size: number;
}

/** Where each spatial position of a layer looks in the model input. */
export interface ReceptiveField {
  readonly layer: string;
  /** Model input the field is measured in. */
  readonly input: string;
  /** Input size (pixels) the field was computed for. */
  readonly inputHeight: number;
  readonly inputWidth: number;
  readonly y: AxisReceptiveField;
  readonly x: AxisReceptiveField;
  /**
   * True when every position sees the whole input (a global pooling, a fully connected layer or a
   * global context branch such as squeeze-and-excitation lies on a path to the layer).
   */
  readonly global: boolean;
}

/** A rectangle in pixels: `x`, `y` of the top-left corner, `width` and `height`. */
export interface PixelRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

function axisInterval(axis: AxisReceptiveField, p: number, extent: number): [number, number] {
  const begin = Math.max(0, Math.floor(axis.start + p * axis.jump + 1e-9));
  const end = Math.min(extent, Math.ceil(axis.start + p * axis.jump + axis.size - 1e-9));
  return [begin, Math.max(begin, end)];
}

/**
 * The input pixels that layer position (`y`, `x`) can see: the receptive field clamped to the
 * input, rounded outwards to whole pixels.
 */
export function receptiveRegion(field: ReceptiveField, y: number, x: number): PixelRegion {
  const [y0, y1] = axisInterval(field.y, y, field.inputHeight);
  const [x0, x1] = axisInterval(field.x, x, field.inputWidth);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

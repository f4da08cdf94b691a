import type { RuleContext, ShapeContext } from '../rule.js';
import { windowGeometry, windowShape } from '../shapes/functions.js';

/** Geometry of a 2-D pooling window, with what the backward ConvTranspose needs to land on X. */
export interface Pool2d {
  readonly n: string | number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly kernel: readonly [number, number];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly pads: readonly number[];
  readonly out: readonly [number, number];
  /** Padded extent each window position reaches: (out − 1)·s + d·(k − 1) + 1, per axis. */
  readonly reach: readonly [number, number];
  /** Pads and output_padding that crop or extend a ConvTranspose's output to exactly H×W. */
  readonly transposePads: readonly number[];
  readonly outputPadding: readonly number[];
}

export function pool2d(ctx: RuleContext): Pool2d {
  const xs = ctx.symbolicShape(ctx.I(0));
  if (xs.length !== 4)
    ctx.unsupported(`only 2-D pooling (NCHW input) is supported, got rank ${xs.length}`);
  const spatial = ctx.shapeAfterBatch(ctx.I(0));
  const [c, h, w] = spatial as [number, number, number];
  const kernel = ctx.ints('kernel_shape') ?? [];
  if (kernel.length !== 2) ctx.unsupported('kernel_shape must have two entries');
  const geo = windowGeometry(ctx, [0, c, h, w], kernel);
  const reach = [0, 1].map(
    (i) => (geo.out[i]! - 1) * geo.strides[i]! + geo.dilations[i]! * (kernel[i]! - 1) + 1,
  ) as [number, number];
  const size = [h, w];
  const pe = [0, 1].map((i) => Math.max(0, reach[i]! - geo.pads[i]! - size[i]!));
  const op = [0, 1].map((i) => Math.max(0, geo.pads[i]! + size[i]! - reach[i]!));
  return {
    n: xs[0]!,
    c,
    h,
    w,
    kernel: kernel as unknown as [number, number],
    strides: geo.strides,
    dilations: geo.dilations,
    pads: geo.pads,
    out: geo.out as unknown as [number, number],
    reach,
    transposePads: [geo.pads[0]!, geo.pads[1]!, pe[0]!, pe[1]!],
    outputPadding: op,
  };
}

/**
 * Scatters per-window-offset gradients back to the input: `stacked` is (N·C, K, Ho, Wo) with K =
 * kH·kW offsets in row-major order (or 1 with a shared kernel `weights`); a ConvTranspose with a
 * one-hot (or constant) kernel places each at its input position. Returns dX shaped like X.
 */
export function scatterWindows(
  ctx: RuleContext,
  p: Pool2d,
  stacked: string,
  weights: string,
): string {
  const dx = ctx.op('ConvTranspose', [stacked, weights], {
    kernel_shape: { ints: p.kernel },
    strides: { ints: p.strides },
    dilations: { ints: p.dilations },
    pads: { ints: p.transposePads },
    ...(p.outputPadding.some((v) => v !== 0) ? { output_padding: { ints: p.outputPadding } } : {}),
  });
  return ctx.reshape(dx, [-1, p.c, p.h, p.w]);
}

/** Output shapes of a pooling op (MaxPool's Indices shaped like Y). */
export function poolShape(ctx: ShapeContext) {
  const x = ctx.input(0);
  if (!x) return [];
  const y = windowShape(ctx, x[1]!, ctx.ints('kernel_shape') ?? []);
  return [y, y];
}

/** Output shape of a global pooling op: N, C and size-1 spatial dims. */
export function globalPoolShape(ctx: ShapeContext) {
  const x = ctx.input(0);
  return x ? [[x[0]!, x[1]!, ...x.slice(2).map(() => 1)]] : [];
}

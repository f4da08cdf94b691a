import type { GradientRule } from '../rule.js';
import { type Dim, dimArithmetic, product } from '../shapes/dims.js';
import { sliceArgs, sliceAxis, sliceParams } from '../shapes/functions.js';

/** Slices from a start to past the end (`x[:, 1:]`) of a free dim keep a symbolic size. */
const TO_THE_END = 2 ** 30;

/**
 * Y = X[start : end : step] on some axes. dX puts dY back where it was taken and zeros elsewhere,
 * axis by axis: a negative step is first undone by reversing dY (a Slice with step −1), a step
 * |s| > 1 by interleaving s − 1 zeros after each element (Unsqueeze, Pad, Reshape), and the
 * result is padded with zeros before and after to X's extent.
 */
export const Slice: GradientRule = {
  opType: 'Slice',
  nonDifferentiable: [1, 2, 3, 4],
  shape(ctx) {
    const x = ctx.input(0);
    const args = x && sliceArgs(ctx, x.length);
    if (!x || !args) return [];
    const out: Dim[] = [...x];
    args.axes.forEach((a, j) => {
      const d = x[a]!;
      const [start, end, step] = [args.starts[j]!, args.ends[j]!, args.steps[j]!];
      if (typeof d === 'number') out[a] = sliceAxis(d, start, end, step).count;
      else if (step === 1 && start >= 0 && end >= TO_THE_END) out[a] = dimArithmetic('-', d, start);
      else out[a] = ctx.unknown(0, a);
    });
    return [out];
  },
  fold(ctx) {
    const v = ctx.value(0);
    const p = v && sliceParams(ctx, v.dims);
    if (!v || !p) return undefined;
    // Per axis, the source positions the slice keeps.
    const picks = v.dims.map((d, a) => {
      const j = p.axes.indexOf(a);
      if (j < 0) return Array.from({ length: d }, (_, i) => i);
      return Array.from({ length: p.counts[a]! }, (_, k) => p.starts[j]! + k * p.steps[j]!);
    });
    const dims = picks.map((q) => q.length);
    const strides = v.dims.map((_, a) => product(v.dims.slice(a + 1)));
    const values = Array.from({ length: product(dims) }, (_, flat) => {
      let rest = flat;
      let offset = 0;
      for (let a = dims.length - 1; a >= 0; a--) {
        offset += picks[a]![rest % dims[a]!]! * strides[a]!;
        rest = Math.floor(rest / dims[a]!);
      }
      return v.values[offset]!;
    });
    return [{ elemType: v.elemType, dims, values }];
  },
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const xs = ctx.symbolicShape(ctx.I(0));
    const p = sliceParams(ctx, xs);
    if (!p)
      return ctx.unsupported(
        'starts, ends, axes and steps must be constant, and the sliced axes static',
      );
    const rank = xs.length;
    const cur = [...ctx.symbolicShape(ctx.O(0))];
    let g = dY;
    for (let j = 0; j < p.axes.length; j++) {
      const ax = p.axes[j]!;
      const d = xs[ax] as number;
      const n = p.counts[ax]!;
      if (n === 0) ctx.unsupported(`the slice along axis ${ax} is empty`);
      let step = p.steps[j]!;
      let start = p.starts[j]!;
      if (step < 0) {
        g = ctx.slice(g, [n - 1], [-n - 1], [ax], [-1]);
        start += (n - 1) * step;
        step = -step;
      }
      let span = n;
      if (step > 1) {
        // [.., n, ..] → [.., n, 1, ..] → pad to [.., n, step, ..] → [.., n·step, ..]
        const pads = new Array<number>(2 * (rank + 1)).fill(0);
        pads[rank + 1 + ax + 1] = step - 1;
        const wide = ctx.pad(ctx.unsqueeze(g, [ax + 1]), pads);
        const dims = cur.map((dim, i) => (i < ax ? 0 : i === ax ? n * step : (dim as number)));
        if (!cur.slice(ax + 1).every((dim) => typeof dim === 'number')) ctx.shape(ctx.O(0));
        g = ctx.reshape(wide, dims);
        span = n * step;
        if (start + span > d) {
          span = (n - 1) * step + 1;
          g = ctx.slice(g, [0], [span], [ax]);
        }
      }
      const before = start;
      const after = d - start - span;
      if (before > 0 || after > 0) {
        const pads = new Array<number>(2 * rank).fill(0);
        pads[ax] = before;
        pads[rank + ax] = after;
        g = ctx.pad(g, pads);
      }
      cur[ax] = d;
    }
    ctx.setGI(0, g);
  },
};

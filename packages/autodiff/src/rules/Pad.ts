import type { GradientRule } from '../rule.js';
import { normAxis } from './elementwise.js';

/**
 * Constant-mode Pad: Y = X with pads[i] elements added before and pads[i + rank] after axis i
 * (negative pads crop). dX = dY cropped where the forward padded (Slice) and zero-padded where it
 * cropped (Pad). Pads come from the attribute (opset < 11) or the constant input 1, with
 * optional axes (input 3, opset 18). Reflect, edge and wrap modes are refused.
 */
export const Pad: GradientRule = {
  opType: 'Pad',
  nonDifferentiable: [1, 2, 3],
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const mode = ctx.string('mode', 'constant');
    if (mode !== 'constant') ctx.unsupported(`mode '${mode}' is not supported (only 'constant')`);
    const xs = ctx.symbolicShape(ctx.I(0));
    const rank = xs.length;
    const given =
      ctx.ints('pads') ?? ctx.ints('paddings') ?? ctx.index.constValue(ctx.I(1))?.values;
    if (!given) return ctx.unsupported(`the pads ('${ctx.I(1)}') must be constant`);
    let pads = [...given];
    if (ctx.I(3)) {
      const axes = ctx.index.constValue(ctx.I(3))?.values;
      if (!axes) return ctx.unsupported(`the axes ('${ctx.I(3)}') must be constant`);
      pads = new Array<number>(2 * rank).fill(0);
      axes.forEach((a, i) => {
        const ax = normAxis(a, rank);
        pads[ax] = given[i]!;
        pads[ax + rank] = given[i + axes.length]!;
      });
    }
    const ys = ctx.symbolicShape(ctx.O(0));
    let g = dY;
    const starts: number[] = [];
    const ends: number[] = [];
    const axes: number[] = [];
    for (let i = 0; i < rank; i++) {
      const b = pads[i]!;
      const e = pads[i + rank]!;
      if (b <= 0 && e <= 0) continue;
      const len = ys[i];
      if (typeof len !== 'number') ctx.shape(ctx.O(0));
      axes.push(i);
      starts.push(Math.max(b, 0));
      ends.push((len as number) - Math.max(e, 0));
    }
    if (axes.length) g = ctx.slice(g, starts, ends, axes);
    const grow = pads.map((v) => Math.max(-v, 0));
    if (grow.some((v) => v > 0)) g = ctx.pad(g, grow);
    ctx.setGI(0, g);
  },
};

import type { GradientRule, ShapeContext } from '../rule.js';
import { dimArithmetic, normAxis } from '../shapes/dims.js';

/**
 * Constant-mode Pad: Y = X with pads[i] elements added before and pads[i + rank] after axis i
 * (negative pads crop). dX = dY cropped where the forward padded (Slice) and zero-padded where it
 * cropped (Pad). Pads come from the attribute (opset < 11) or the constant input 1, with
 * optional axes (input 3, opset 18). Reflect, edge and wrap modes are refused.
 */
export const Pad: GradientRule = {
  opType: 'Pad',
  nonDifferentiable: [1, 2, 3],
  shape(ctx) {
    const x = ctx.input(0);
    const pads = x && fullPads(ctx, x.length);
    if (!x || !pads) return [];
    const r = x.length;
    return [x.map((d, i) => dimArithmetic('+', d, pads[i]! + pads[i + r]!))];
  },
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const mode = ctx.string('mode', 'constant');
    if (mode !== 'constant') ctx.unsupported(`mode '${mode}' is not supported (only 'constant')`);
    const xs = ctx.symbolicShape(ctx.I(0));
    const rank = xs.length;
    const pads = fullPads(ctx, rank);
    if (!pads)
      return ctx.unsupported(
        `the pads and axes ('${ctx.node.input.slice(1).join("', '")}') must be constant`,
      );
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

/** Pads per axis (begins then ends, rank·2) from the attribute or inputs 1 and 3 (axes). */
function fullPads(
  ctx: Pick<ShapeContext, 'node' | 'ints' | 'constant'>,
  rank: number,
): number[] | undefined {
  const pads =
    ctx.ints('pads') ??
    ctx.ints('paddings') ??
    (ctx.node.input[1] ? ctx.constant(1)?.values : undefined);
  if (!pads) return undefined;
  if (!ctx.node.input[3]) return [...pads];
  const axes = ctx.constant(3)?.values.map((a) => normAxis(a, rank));
  if (!axes) return undefined;
  const full = new Array<number>(2 * rank).fill(0);
  axes.forEach((a, i) => {
    full[a] = pads[i]!;
    full[a + rank] = pads[i + axes.length]!;
  });
  return full;
}

import type { GradientRule } from '../rule.js';
import { sameShape } from '../shapes/functions.js';
import { reluLikeGradient } from './relu-modes.js';

/**
 * Y = min(max(X, lo), hi) (ReLU6 when lo = 0, hi = 6). dX = dY where lo < X < hi, as PyTorch's
 * hardtanh backward. Bounds come from attributes (opset < 11) or constant inputs; a missing
 * bound is unbounded. Relu modes apply as for Relu (`redirected`: below `lo` as below Relu's 0, above
 * `hi` as Lucid's `redirected_relu6_grad`).
 */
export const Clip: GradientRule = {
  opType: 'Clip',
  nonDifferentiable: [1, 2],
  shape: sameShape,
  build(ctx) {
    const dY = ctx.GO(0);
    if (!dY || !ctx.needsGI(0)) return;
    const bound = (attr: string, input: number, fallback: number): number | string | undefined => {
      if (ctx.opset < 11) {
        const v = ctx.float(attr, fallback);
        return Number.isFinite(v) ? v : undefined;
      }
      const name = ctx.I(input);
      if (!name) return undefined;
      const c = ctx.constValue(name);
      return c ? c.values[0] : name;
    };
    const lo = bound('min', 1, Number.NEGATIVE_INFINITY);
    const hi = bound('max', 2, Number.POSITIVE_INFINITY);
    const asTensor = (b: number | string): string =>
      typeof b === 'number' ? ctx.constFloat([b], []) : b;
    const mask = (): string => {
      const parts: string[] = [];
      if (lo !== undefined) parts.push(ctx.op('Greater', [ctx.I(0), asTensor(lo)]));
      if (hi !== undefined) parts.push(ctx.op('Less', [ctx.I(0), asTensor(hi)]));
      if (parts.length === 0) return ctx.op('Equal', [ctx.I(0), ctx.I(0)]);
      if (parts.length === 1) return parts[0]!;
      // And runs on the GPU; Or/Xor do not (see PLATFORM.md).
      return ctx.op('And', parts);
    };
    // Bounds known at build time allow a mask from the output (see convMask); lo ≤ hi.
    const numericRange =
      typeof lo !== 'string' &&
      typeof hi !== 'string' &&
      (lo === undefined || hi === undefined || lo <= hi)
        ? {
            output: ctx.O(0),
            ...(lo !== undefined ? { lo } : {}),
            ...(hi !== undefined ? { hi } : {}),
          }
        : undefined;
    ctx.setGI(
      0,
      reluLikeGradient(
        ctx,
        dY,
        mask,
        {
          ...(lo !== undefined ? { below: () => ctx.op('Less', [ctx.I(0), asTensor(lo)]) } : {}),
          ...(hi !== undefined ? { above: () => ctx.op('Greater', [ctx.I(0), asTensor(hi)]) } : {}),
        },
        numericRange,
      ),
    );
  },
};
